#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor; every call is checked and failures become `FileAccessError`s naming `path`.
struct FileDescriptor {
    let raw: Int32
    let path: String

    /// Opens `path` with `flags` (O_CLOEXEC is added) and, when creating, permission bits `mode`.
    init(opening path: String, flags: Int32, mode: mode_t = 0) throws {
        let raw = retryingOnInterrupt { open(path, flags | O_CLOEXEC, mode) }
        guard raw >= 0 else { throw FileAccessError.lastSystemCall("open", path: path) }
        self.raw = raw
        self.path = path
    }

    /// Opens `path`, runs `body`, and closes the descriptor; a close failure is reported unless `body`
    /// already failed.
    static func withOpen<Result>(
        _ path: String, flags: Int32, _ body: (FileDescriptor) throws -> Result
    ) throws -> Result {
        let file = try FileDescriptor(opening: path, flags: flags)
        let result: Result
        do {
            result = try body(file)
        } catch {
            file.closeAfterFailure()
            throw error
        }
        try file.closeChecked()
        return result
    }

    /// The size in bytes of the regular file this descriptor refers to.
    func regularFileSize() throws -> Int {
        var status = stat()
        guard fstat(raw, &status) == 0 else { throw FileAccessError.lastSystemCall("fstat", path: path) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw FileAccessError.notARegularFile(path: path) }
        return Int(status.st_size)
    }

    /// Writes all of `bytes`, continuing after partial writes and interruptions.
    func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var written = 0
        while written < bytes.count {
            let result = retryingOnInterrupt { write(raw, bytes.baseAddress! + written, bytes.count - written) }
            guard result > 0 else { throw FileAccessError.lastSystemCall("write", path: path) }
            written += result
        }
    }

    func sync() throws {
        guard retryingOnInterrupt({ fsync(raw) }) == 0 else { throw FileAccessError.lastSystemCall("fsync", path: path) }
    }

    func closeChecked() throws {
        guard close(raw) == 0 else { throw FileAccessError.lastSystemCall("close", path: path) }
    }

    /// Closes the descriptor while another error is already being reported; that error is the one that
    /// matters, so a close failure here is deliberately not reported.
    func closeAfterFailure() {
        _ = close(raw)
    }
}

/// Runs a C call again while it fails with EINTR.
func retryingOnInterrupt<Result: BinaryInteger>(_ call: () -> Result) -> Result {
    while true {
        let result = call()
        if result >= 0 || errno != EINTR { return result }
    }
}
