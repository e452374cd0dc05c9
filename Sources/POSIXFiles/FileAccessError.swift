#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file could not be opened, read, written, synced or renamed: the one error type of POSIXFiles.
public enum FileAccessError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The C library call `call` on `path` failed with errno `code`.
    case systemCall(path: String, call: String, code: Int32)
    /// `path` exists but is a directory or another kind of non-regular file.
    case notARegularFile(path: String)
    /// `path` holds `size` bytes, more than the `limit` its reader accepts.
    case tooLarge(path: String, size: Int, limit: Int)
    /// `path` was read as text but is not UTF-8.
    case notText(path: String)
    /// A write would replace `path`, which is a symlink, device, FIFO or directory rather than a regular file.
    case notReplaceable(path: String)

    /// The path the failed operation was about.
    public var path: String {
        switch self {
        case let .systemCall(path, _, _), let .notARegularFile(path), let .tooLarge(path, _, _), let .notText(path), let .notReplaceable(path): return path
        }
    }

    /// What went wrong, without the path (for errors that name the file themselves).
    public var reason: String {
        switch self {
        case let .systemCall(_, call, code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .notARegularFile: return "not a regular file"
        case let .tooLarge(_, size, limit): return "\(size) bytes, more than the \(limit) this file may have"
        case .notText: return "not UTF-8 text"
        case .notReplaceable: return "exists and is not a regular file (a link, device, FIFO or directory), so it is not replaced"
        }
    }

    public var description: String { "\(path): \(reason)" }

    /// The error for the C call that just failed on `path`, with the current errno.
    public static func lastSystemCall(_ call: String, path: String) -> FileAccessError {
        .systemCall(path: path, call: call, code: errno)
    }
}
