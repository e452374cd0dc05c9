/// YOLOv5's gradient accumulation: the averaged gradients of the micro-batches since the last optimizer step, held
/// until the step that applies them. A checkpoint saves the pending sum as `accumulated_gradients` (in
/// optimizer.safetensors, where checkpoints have always kept it), so a run stopped mid-accumulation resumes exactly.
public final class GradientAccumulator {
    /// The checkpoint tensor that holds the pending sum.
    public static let checkpointName = "accumulated_gradients"
    /// A buffer of the arena's size, allocated once; valid while not `isEmpty`.
    private var storage: [Float] = []
    public private(set) var isEmpty = true

    public init() {}

    /// Adds this micro-batch's `gradients` to the pending sum. With `step`, `gradients` receives the whole sum for
    /// the optimizer and the accumulator empties; otherwise the sum stays pending.
    public func add(_ gradients: UnsafeMutableBufferPointer<Float>, step: Bool) {
        if !isEmpty {
            storage.withUnsafeMutableBufferPointer { pending in
                for i in 0..<gradients.count { pending[i] += gradients[i] }
                if step { gradients.baseAddress!.update(from: pending.baseAddress!, count: gradients.count) }
            }
        }
        if step {
            isEmpty = true
        } else if isEmpty {
            if storage.count != gradients.count { storage = [Float](repeating: 0, count: gradients.count) }
            storage.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: gradients.baseAddress!, count: gradients.count) }
            isEmpty = false
        }
    }

    /// Drops the pending sum (what YOLOv5 v6.0 does at every epoch start: `epoch_start_zero_grad`).
    public func drop() { isEmpty = true }

    /// The pending sum, for a checkpoint; empty when nothing is pending.
    public var pending: [Float] { isEmpty ? [] : storage }

    /// Continues from a saved pending sum (empty: nothing pending).
    public func restore(_ pending: [Float]) {
        if !pending.isEmpty { storage = pending }
        isEmpty = pending.isEmpty
    }
}
