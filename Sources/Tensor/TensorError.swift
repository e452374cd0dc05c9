/// A shape or argument problem detected by an op, reported with the layer that raised it.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// The input shape does not fit the op (e.g. odd height for space-to-depth, wrong channel count).
    case shapeMismatch(layer: String, message: String)
    /// An argument is outside what the op supports (kernel size, stride, class index...).
    case invalidArgument(layer: String, message: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(layer, message): return "\(layer): shape error: \(message)"
        case let .invalidArgument(layer, message): return "\(layer): invalid argument: \(message)"
        }
    }
}
