/// The whole of a regular file that may hold at most `limit` bytes (settings, CSV, JSON, hostfiles): a FIFO, device
/// or directory is refused without blocking, and a larger file is refused before any of it is read, so a hostile
/// path can neither hang the reader nor make it allocate without bound.
public func readRegularFile(_ path: String, limit: Int) throws -> [UInt8] {
    try FileDescriptor.withRegularFile(path) { file in
        let size = try file.regularFileSize()
        guard size <= limit else { throw FileAccessError.tooLarge(path: path, size: size, limit: limit) }
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var filled = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while filled < buffer.count {
                let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if count == 0 { break }
                filled += count
            }
        }
        // The file grew while being read: refuse rather than read a mixture.
        guard filled <= size else { throw FileAccessError.tooLarge(path: path, size: filled, limit: size) }
        return Array(bytes[..<filled])
    }
}

/// A UTF-8 text file of at most `limit` bytes (see `readRegularFile`); other bytes are an error naming the file.
public func readTextFile(_ path: String, limit: Int = 16 << 20) throws -> String {
    let bytes = try readRegularFile(path, limit: limit)
    guard let text = String(validating: bytes, as: UTF8.self) else { throw FileAccessError.notText(path: path) }
    return text
}
