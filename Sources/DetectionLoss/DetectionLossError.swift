/// Why the detection loss could not be built or computed.
public enum DetectionLossError: Error, CustomStringConvertible, Equatable {
    /// The loss configuration (anchors, strides, classes, hyperparameters) is inconsistent.
    case invalidConfiguration(String)
    /// The prediction levels or gradient buffers passed to `compute` do not fit the configuration.
    case shapeMismatch(String)
    /// Target number `index` (its position in the targets array) is unusable.
    case invalidTarget(index: Int, reason: String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(message): return "detection loss: invalid configuration: \(message)"
        case let .shapeMismatch(message): return "detection loss: shape mismatch: \(message)"
        case let .invalidTarget(index, reason): return "detection loss: target \(index): \(reason)"
        }
    }
}
