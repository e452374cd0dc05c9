#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor; every call is checked and failures become `FileAccessError`s naming `path`.
public struct FileDescriptor {
    public let raw: Int32
    public let path: String

    /// Opens `path` with `flags` (O_CLOEXEC is added) and, when creating, permission bits `mode`.
    public init(opening path: String, flags: Int32, mode: mode_t = 0) throws {
        let raw = retryingOnInterrupt { open(path, flags | O_CLOEXEC, mode) }
        guard raw >= 0 else { throw FileAccessError.lastSystemCall("open", path: path) }
        self.raw = raw
        self.path = path
    }

    /// Opens `path` for reading only if it is a regular file: a FIFO, device or directory is refused before anything
    /// is read from it (opening is non-blocking, so a FIFO without a writer cannot hang the caller).
    public init(openingRegularFile path: String) throws {
        self = try FileDescriptor(opening: path, flags: O_RDONLY | O_NONBLOCK)
        do {
            _ = try regularFileSize()
            let flags = fcntl(raw, F_GETFL)
            guard flags >= 0, fcntl(raw, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
                throw FileAccessError.lastSystemCall("fcntl", path: path)
            }
        } catch {
            closeAfterFailure()
            throw error
        }
    }

    /// Opens `path`, runs `body`, and closes the descriptor; a close failure is reported unless `body`
    /// already failed.
    public static func withOpen<Result>(
        _ path: String, flags: Int32, _ body: (FileDescriptor) throws -> Result
    ) throws -> Result {
        try FileDescriptor(opening: path, flags: flags).closing(after: body)
    }

    /// Opens the regular file at `path` for reading (see `init(openingRegularFile:)`), runs `body`, and closes it.
    public static func withRegularFile<Result>(_ path: String, _ body: (FileDescriptor) throws -> Result) throws -> Result {
        try FileDescriptor(openingRegularFile: path).closing(after: body)
    }

    private func closing<Result>(after body: (FileDescriptor) throws -> Result) throws -> Result {
        let result: Result
        do {
            result = try body(self)
        } catch {
            closeAfterFailure()
            throw error
        }
        try closeChecked()
        return result
    }

    /// The size in bytes of the regular file this descriptor refers to.
    public func regularFileSize() throws -> Int {
        var status = stat()
        guard fstat(raw, &status) == 0 else { throw FileAccessError.lastSystemCall("fstat", path: path) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw FileAccessError.notARegularFile(path: path) }
        return Int(status.st_size)
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        #if canImport(Glibc)
        let count = retryingOnInterrupt { Glibc.read(raw, buffer.baseAddress, buffer.count) }
        #else
        let count = retryingOnInterrupt { Darwin.read(raw, buffer.baseAddress, buffer.count) }
        #endif
        guard count >= 0 else { throw FileAccessError.lastSystemCall("read", path: path) }
        return count
    }

    /// Writes all of `bytes`, continuing after partial writes and interruptions.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var written = 0
        while written < bytes.count {
            let result = retryingOnInterrupt { write(raw, bytes.baseAddress! + written, bytes.count - written) }
            guard result > 0 else { throw FileAccessError.lastSystemCall("write", path: path) }
            written += result
        }
    }

    /// Flushes the file's data and metadata to stable storage.
    public func sync() throws {
        guard retryingOnInterrupt({ fsync(raw) }) == 0 else { throw FileAccessError.lastSystemCall("fsync", path: path) }
    }

    public func closeChecked() throws {
        guard close(raw) == 0 else { throw FileAccessError.lastSystemCall("close", path: path) }
    }

    /// Closes the descriptor while another error is already being reported; that error is the one that
    /// matters, so a close failure here is deliberately not reported.
    public func closeAfterFailure() {
        _ = close(raw)
    }
}

/// Runs a C call again while it fails with EINTR.
public func retryingOnInterrupt<Result: BinaryInteger>(_ call: () -> Result) -> Result {
    while true {
        let result = call()
        if result >= 0 || errno != EINTR { return result }
    }
}
