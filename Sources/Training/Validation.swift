import SampleStream
import Shards

/// One pass of a task's validation over a whole dataset split, in stored order (no shuffling, no augmentation):
/// what the trainer runs after an epoch and what `spd val` runs on saved weights.
public enum Validation {
    /// Evaluates `task`'s model with the given state values (parameter and buffer arenas) on every sample of `split`,
    /// in batches of `batch` images.
    public static func run<Task: TrainingTask>(_ task: Task, dataset: Dataset, split: String, batch: Int,
                                               parameters: [Float], buffers: [Float]) throws -> ValidationOutcome {
        let layout = try StreamLayout(globalBatch: batch, worldSize: 1, rank: 0)
        let stream = try SampleStream(dataset: dataset, split: split, seed: 0, window: 1, layout: layout,
                                      start: StreamPosition(epoch: 0, step: 0), prefetch: 2, transform: task.validationTransform())
        defer { stream.stop() }
        var remaining = stream.samplesPerEpoch, stepsLeft = stream.stepsPerEpoch
        return try task.validate(batches: {
            guard stepsLeft > 0 else { return nil }
            stepsLeft -= 1
            let batch = try stream.next()
            let take = min(remaining, batch.examples.count)  // the last batch pads with repeats: drop them
            remaining -= take
            return Array(batch.examples.prefix(take))
        }, parameters: parameters, buffers: buffers)
    }
}
