/// A training loss became NaN or infinite: the run stops before the optimizer applies that step, so the checkpoints
/// written before it (`lastCheckpoint`, the newest one this process wrote, when it wrote one) hold finite weights.
public struct TrainingDiverged: Error, CustomStringConvertible {
    public let epoch: Int
    public let step: Int
    public let iteration: Int
    public let loss: String
    public let value: Double
    public let lastCheckpoint: String?

    public var description: String {
        "training diverged: \(loss) is \(value.isNaN ? "NaN" : "\(value)") at epoch \(epoch + 1), step \(step + 1) (iteration \(iteration + 1)); nothing of this step was applied; "
            + (lastCheckpoint.map { "the last good checkpoint is \($0)" } ?? "the checkpoints before it are kept")
            + " (lower the learning rate or check the data before resuming)"
    }
}
