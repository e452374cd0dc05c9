import Models
import RunFormat
import Tensor
import Training
import Support
import Optim

/// `spd bench train`: full training steps (forward, loss on synthetic data, backward, SGD) on one rank,
/// reporting images/s, achieved GFLOP/s and the time split.
public struct TrainBenchmark {
    public var modelFile: String
    public var imageSize: Int
    public var batch: Int
    public var steps: Int

    public init(modelFile: String, imageSize: Int, batch: Int, steps: Int) {
        self.modelFile = modelFile
        self.imageSize = imageSize
        self.batch = batch
        self.steps = steps
    }

    /// Sorted timings of `steps` training steps (after one warm-up step) and the model's forward FLOPs per batch:
    /// the step the trainer runs (collate, forward, loss, backward) on synthetic examples (random pixels; detectors
    /// with about 6 random boxes an image and the YOLOv5 loss, classifiers with random labels and cross-entropy),
    /// then an SGD step.
    public func measure() throws -> (stepSeconds: [Double], forwardFLOPs: Double) {
        var config = ExperimentConfig()
        config.imgsz = imageSize
        return try measure(TaskFactory.task(modelFile: modelFile, config: config, dataset: nil, classes: nil, seed: 0, batch: batch))
    }

    private func measure<Task: TrainingTask>(_ task: Task) throws -> (stepSeconds: [Double], forwardFLOPs: Double) {
        var random = SeededGenerator(seed: 7)
        let examples = task.syntheticExamples(count: batch, imageSize: imageSize, random: &random)
        let learningRates: [ParameterGroup: Float] = [.weight: 0.01, .batchNormWeight: 0.01, .bias: 0.01]
        let sgd = SGD(state: task.state, momentum: 0.937, weightDecay: 5e-4)
        func fullStep() throws {
            task.state.zeroGradients()
            _ = try task.trainStep(examples, replicas: nil, gradientsReady: nil)
            sgd.step(learningRates: learningRates)
        }
        try fullStep()
        var times: [Double] = []
        for _ in 0..<max(steps, 1) {
            let start = monotonicSeconds()
            try fullStep()
            times.append(monotonicSeconds() - start)
        }
        return (times.sorted(), task.forwardFLOPsPerImage * Double(batch))
    }

    public func run(print output: (String) -> Void) throws {
        let (times, forwardFLOPs) = try measure()
        output(BLASCore.description)
        output(GEMMPrecision.description)
        output("OpenBLAS build: \(BLAS.configuration); \(modelFile) at \(imageSize)x\(imageSize), batch \(batch), \(steps) steps")
        let median = times[times.count / 2]
        // Training FLOPs: forward, plus backward-input and backward-weight, each as costly as the forward.
        let flops = 3 * forwardFLOPs
        output("step: median \(fixed(1000 * median)) ms (fastest \(fixed(1000 * times[0])) ms, slowest \(fixed(1000 * times.last!)) ms)")
        output("throughput: \(fixed(Double(batch) / median, 2)) images/s, \(fixed(flops / median / 1e9)) GFLOP/s "
               + "(\(fixed(flops / Double(batch) / 1e9, 2)) GFLOPs per image for forward + backward)")
    }
}
