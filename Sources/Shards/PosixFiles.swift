import Checksum
#if canImport(Glibc)
import Glibc
private let posixRead = Glibc.read
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let posixRead = Darwin.read
private let posixWrite = Darwin.write
#endif

/// A file opened for reading that counts and hashes every byte it returns.
public final class InputFile: ByteSource {
    public let path: String
    private let descriptor: Int32
    private var hasher = SHA256()
    /// Bytes returned by `read` so far.
    public private(set) var bytesRead = 0

    /// Opens `path` for reading; throws `.system` (e.g. ENOENT) naming the path.
    public init(path: String) throws {
        self.path = path
        descriptor = try retryingInterrupts(path, "open") { open(path, O_RDONLY | O_CLOEXEC) }
    }

    deinit { close(descriptor) }

    /// The file's current size in bytes.
    public func size() throws -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ShardError.system(file: path, operation: "fstat", code: errno, sample: nil) }
        return Int(info.st_size)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try retryingInterrupts(path, "read") { posixRead(descriptor, buffer.baseAddress, buffer.count) }
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
    private var descriptor: Int32
    private var hasher = SHA256()
    /// Bytes written so far.
    public private(set) var bytesWritten = 0

    /// Creates or truncates `path` (mode 0644).
    public init(creating path: String) throws {
        self.path = path
        descriptor = try retryingInterrupts(path, "open") { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let remaining = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            offset += try retryingInterrupts(path, "write") { posixWrite(descriptor, remaining.baseAddress, remaining.count) }
        }
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
        try retryingInterrupts(path, "fsync") { fsync(descriptor) }
        let closing = descriptor
        descriptor = -1
        guard close(closing) == 0 else { throw ShardError.system(file: path, operation: "close", code: errno, sample: nil) }
    }
}

/// Writing a file under a temporary name and renaming it into place, so readers never see half a file.
enum AtomicFile {
    /// The temporary name used while `path` is being written: `.name.partial` in the same directory.
    static func temporaryPath(for path: String) -> String {
        let (directory, name) = splitPath(path)
        return directory + "/." + name + ".partial"
    }

    /// Writes `bytes` to a temporary file, fsyncs it and renames it to `path`.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = temporaryPath(for: path)
        do {
            let file = try OutputFile(creating: temporary)
            try bytes.withUnsafeBytes { try file.write($0) }
            try file.syncAndClose()
            try commit(temporary, to: path)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Renames a fully written and fsynced `temporary` file to `path`, then fsyncs the directory.
    static func commit(_ temporary: String, to path: String) throws {
        guard rename(temporary, path) == 0 else { throw ShardError.system(file: path, operation: "rename", code: errno, sample: nil) }
        let directory = splitPath(path).directory
        let descriptor = try retryingInterrupts(directory, "open") { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(descriptor) }
        try retryingInterrupts(directory, "fsync") { fsync(descriptor) }
    }

    private static func splitPath(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}

/// Creates `path` as a directory, with any missing parents, unless it already exists.
func makeDirectory(_ path: String) throws {
    if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
    if errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
        try makeDirectory(String(path[..<slash]))
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
    }
    throw ShardError.system(file: path, operation: "mkdir", code: errno, sample: nil)
}

/// Whether `path` exists, and its size if it is a regular file.
func fileSize(_ path: String) throws -> Int? {
    var info = stat()
    guard stat(path, &info) == 0 else {
        if errno == ENOENT { return nil }
        throw ShardError.system(file: path, operation: "stat", code: errno, sample: nil)
    }
    return Int(info.st_size)
}

/// Runs a POSIX call, retrying on EINTR; a negative result throws `.system` with errno.
@discardableResult
private func retryingInterrupts<Result: BinaryInteger>(_ path: String, _ operation: String, _ call: () -> Result) throws -> Result {
    while true {
        let result = call()
        if result >= 0 { return result }
        if errno != EINTR { throw ShardError.system(file: path, operation: operation, code: errno, sample: nil) }
    }
}
