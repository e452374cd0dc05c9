/// A problem with a file or directory a user named (a configuration, model, COCO, weights or export file): the path
/// and what is wrong, printed as the one line `path: message`. The shared error of every module that reads such files.
public struct FileProblem: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
