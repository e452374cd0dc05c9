/// A user-facing coordinator failure: one line naming the file, field or run it is about.
public struct CoordinatorError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
