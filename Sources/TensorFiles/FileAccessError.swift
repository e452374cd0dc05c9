#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file could not be opened, read, written, synced or renamed.
public enum FileAccessError: Error, CustomStringConvertible, Equatable {
    /// The C library call `call` on `path` failed with errno `code`.
    case systemCall(path: String, call: String, code: Int32)
    /// `path` exists but is a directory or another kind of non-regular file.
    case notARegularFile(path: String)

    public var description: String {
        switch self {
        case let .systemCall(path, call, code):
            return "\(path): \(call) failed: \(String(cString: strerror(code)))"
        case let .notARegularFile(path):
            return "\(path): not a regular file"
        }
    }

    /// The error for the C call that just failed on `path`, with the current errno.
    static func lastSystemCall(_ call: String, path: String) -> FileAccessError {
        .systemCall(path: path, call: call, code: errno)
    }
}
