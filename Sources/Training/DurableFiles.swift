import Checksum
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File operations for checkpoints, each checked, with errno's message and the path in the error: durable writes
/// (write, fsync, close), directory fsync, atomic symlink replacement, and streaming SHA-256 of a file.
enum DurableFiles {
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let operation: String
        let code: Int32
        var description: String { "\(path): \(operation) failed: \(String(cString: strerror(code)))" }
    }

    /// Creates `path` with `bytes` and fsyncs it.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(path: path, operation: "open", code: errno) }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 { if errno == EINTR { continue }; throw Failure(path: path, operation: "write", code: errno) }
            written += n
        }
        guard fsync(fd) == 0 else { throw Failure(path: path, operation: "fsync", code: errno) }
    }

    /// fsyncs a directory so renames inside it are durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, operation: "open", code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(path: path, operation: "fsync", code: errno) }
    }

    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw Failure(path: to, operation: "rename from \(from)", code: errno) }
    }

    /// Points the symlink `link` at `target` (a name relative to the link's directory), atomically.
    static func replaceSymlink(_ link: String, target: String) throws {
        let temporary = "\(link).tmp-\(getpid())"
        unlink(temporary)
        guard symlink(target, temporary) == 0 else { throw Failure(path: temporary, operation: "symlink", code: errno) }
        try rename(temporary, link)
    }

    /// SHA-256 (hex) of a file's contents, read in 1 MB blocks.
    static func sha256(of path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, operation: "open", code: errno) }
        defer { close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw Failure(path: path, operation: "read", code: errno) }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return hasher.finalize().hex
    }

    /// Removes a directory tree, ignoring errors (cleanup after a failure).
    static func removeTree(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}
