import SampleStream

/// Why a shard sample cannot become an example: names the sample's key and what is wrong with it.
public struct SampleDecodingError: Error, CustomStringConvertible, Equatable, Sendable {
    public let key: String
    public let problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { "sample '\(key)': \(problem)" }
}

extension SampleDecodingError {
    /// This error as the sample stream reports it, naming the shard file and the sample being made; an error in a
    /// mosaic partner names the partner too.
    func streamError(in context: SampleContext) -> StreamError {
        let message = key == context.sample.key ? problem : "mosaic partner '\(key)' from the same window: \(problem)"
        return .transformFailed(file: context.file, key: context.sample.key, message: message)
    }
}
