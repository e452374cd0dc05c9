/// A user error of detection, checkpoint listing or export: what went wrong with which file or directory.
public struct InferenceError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
