#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and atomic writes with errno-based messages.
enum FileIO {
    /// The bytes of the file at `path`.
    static func readFile(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ImageError.unreadable(file: path, reason: errnoDescription()) }
        defer { _ = close(descriptor) }  // read-only: nothing is lost if close fails
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ImageError.unreadable(file: path, reason: errnoDescription())
        }
        var bytes = [UInt8](repeating: 0, count: max(Int(status.st_size), 0))
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(filled, 4096))) }
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw ImageError.unreadable(file: path, reason: errnoDescription())
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// Writes `bytes` to a temporary file beside `path`, then renames it over `path`, so readers see
    /// either the old file or the whole new one.
    static func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = "\(path).tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ImageError.unwritable(file: path, reason: errnoDescription()) }
        var failure: String?
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                failure = errnoDescription()
                break
            }
            written += count
        }
        if close(descriptor) != 0, failure == nil { failure = errnoDescription() }
        if failure == nil, rename(temporary, path) != 0 { failure = errnoDescription() }
        if let failure {
            _ = unlink(temporary)  // best effort: the write error is the one to report
            throw ImageError.unwritable(file: path, reason: failure)
        }
    }

    private static func errnoDescription() -> String { String(cString: strerror(errno)) }
}
