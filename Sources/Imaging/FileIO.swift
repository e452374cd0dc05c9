import POSIXFiles

/// Whole-file reads and atomic writes for images, with the file and errno's message in the error.
enum FileIO {
    /// The bytes of the regular file at `path`.
    static func readFile(_ path: String) throws -> [UInt8] {
        do {
            return try FileDescriptor.withRegularFile(path) { file in
                var bytes = [UInt8](repeating: 0, count: try file.regularFileSize())
                var filled = 0
                while true {
                    if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(filled, 4096))) }
                    let count = try bytes.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
                    if count == 0 { break }
                    filled += count
                }
                bytes.removeLast(bytes.count - filled)
                return bytes
            }
        } catch let error as FileAccessError {
            throw ImageError.unreadable(file: path, reason: error.reason)
        }
    }

    /// Writes `bytes` so that readers see either the old file or the whole new one (POSIXFiles' atomic write:
    /// temporary file, fsync, rename, directory fsync).
    static func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
        do {
            try writeAtomically(bytes, to: path)
        } catch let error as FileAccessError {
            throw ImageError.unwritable(file: path, reason: error.reason)
        }
    }
}
