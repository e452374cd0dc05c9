/// A destination of bytes (a file, a compressor).
public protocol ByteSink: AnyObject {
    /// The file the bytes end up in, for error messages.
    var path: String { get }
    /// Writes all of `bytes` or throws.
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// A source of bytes (a file, a decompressor).
public protocol ByteSource: AnyObject {
    /// The file the bytes come from, for error messages.
    var path: String { get }
    /// Reads up to `buffer.count` bytes; returns 0 only at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension ByteSource {
    /// Fills `buffer` completely unless the stream ends first; returns the number of bytes read.
    func readFully(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 { break }
            filled += count
        }
        return filled
    }
}
