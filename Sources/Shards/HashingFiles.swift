import Checksum
import POSIXFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file opened for reading that counts and hashes every byte it returns.
public final class InputFile: ByteSource {
    public let path: String
    private let file: FileDescriptor
    private var hasher = SHA256()
    /// Bytes returned by `read` so far.
    public private(set) var bytesRead = 0

    /// Opens `path` for reading; throws `.system` (e.g. ENOENT) or `.notARegularFile` naming the path.
    public init(path: String) throws {
        self.path = path
        file = try ShardError.mapping { try FileDescriptor(openingRegularFile: path) }
    }

    deinit { file.closeAfterFailure() }  // read-only: nothing is lost if close fails

    /// The file's current size in bytes.
    public func size() throws -> Int {
        try ShardError.mapping { try file.regularFileSize() }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try ShardError.mapping { try file.read(into: buffer) }
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        bytesRead += count
        return count
    }

    /// SHA-256 of the bytes read so far.
    public func digest() -> SHA256Digest {
        var copy = hasher
        return copy.finalize()
    }
}

/// A newly created (truncated) file that counts and hashes every byte written to it.
public final class OutputFile: ByteSink {
    public let path: String
    private let file: FileDescriptor
    private var isOpen = true
    private var hasher = SHA256()
    /// Bytes written so far.
    public private(set) var bytesWritten = 0

    /// Creates or truncates `path` (mode 0644).
    public init(creating path: String) throws {
        self.path = path
        file = try ShardError.mapping { try FileDescriptor(opening: path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644) }
    }

    deinit { if isOpen { file.closeAfterFailure() } }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try ShardError.mapping { try file.writeAll(bytes) }
        hasher.update(bytes)
        bytesWritten += bytes.count
    }

    /// SHA-256 of the bytes written so far.
    public func digest() -> SHA256Digest {
        var copy = hasher
        return copy.finalize()
    }

    /// Flushes the file to stable storage (fsync) and closes it.
    public func syncAndClose() throws {
        try ShardError.mapping { try file.sync() }
        isOpen = false
        try ShardError.mapping { try file.closeChecked() }
    }
}

/// The temporary name a shard or manifest is written under before `commitRename` moves it into place:
/// `.name.partial` in the same directory (a reader never sees half a file; a crash leaves only a hidden file).
func temporaryPath(for path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return ".\(path).partial" }
    return "\(path[...slash]).\(path[path.index(after: slash)...]).partial"
}

extension ShardError {
    /// Runs a POSIXFiles call; its `FileAccessError` becomes the shard error naming the same file, call and errno.
    static func mapping<Result>(_ call: () throws -> Result) throws -> Result {
        do {
            return try call()
        } catch let error as FileAccessError {
            switch error {
            case let .systemCall(path, call, code): throw ShardError.system(file: path, operation: call, code: code, sample: nil)
            case let .notARegularFile(path): throw ShardError.notARegularFile(file: path)
            case .tooLarge, .notText, .notReplaceable: throw error
            }
        }
    }
}
