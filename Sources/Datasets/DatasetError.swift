/// A problem with a converter's input or output. Every case names the file (or directory) concerned.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The input is missing, unreadable or not in the expected format.
    case badInput(file: String, problem: String)
    /// The output directory cannot take the dataset (e.g. it already holds the split being written).
    case badOutput(directory: String, problem: String)
    /// An option has a value the converter cannot use.
    case badOption(name: String, problem: String)

    public var description: String {
        switch self {
        case let .badInput(file, problem): "\(file): \(problem)"
        case let .badOutput(directory, problem): "\(directory): \(problem)"
        case let .badOption(name, problem): "--\(name): \(problem)"
        }
    }
}
