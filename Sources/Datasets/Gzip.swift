import CZlib

/// gzip decompression through zlib (Foundation on Linux has no gzip API).
enum Gzip {
    /// Whether `bytes` start with the gzip magic number.
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The most bytes a gzip input may decompress to (MNIST's largest file is 47 MB): a gzip bomb stops here.
    static let maximumOutput = 4 << 30

    /// The decompressed contents of gzip `bytes` (concatenated members included), at most `limit` bytes. `file`
    /// names errors.
    static func decompress(_ bytes: [UInt8], file: String, limit: Int = maximumOutput) throws -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 16: gzip wrapper only.
        var status = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw failure(file, "inflateInit2", status, &stream) }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(bytes.count * 2)
        let chunk = [UInt8](repeating: 0, count: 1 << 20)
        try bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            var buffer = chunk
            while true {
                let produced: Int = buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard output.count + produced <= limit else {
                    throw DatasetError.badInput(file: file, problem: "decompresses to more than \(limit) bytes")
                }
                output.append(contentsOf: buffer[..<produced])
                if status == Z_STREAM_END {
                    guard stream.avail_in > 0 else { return }
                    // Another gzip member follows.
                    status = inflateReset(&stream)
                    guard status == Z_OK else { throw failure(file, "inflateReset", status, &stream) }
                    continue
                }
                guard status == Z_OK else { throw failure(file, "inflate", status, &stream) }
                if stream.avail_in == 0 && produced == 0 {
                    throw DatasetError.badInput(file: file, problem: "truncated gzip data")
                }
            }
        }
        return output
    }

    private static func failure(_ file: String, _ operation: String, _ status: Int32, _ stream: inout z_stream) -> DatasetError {
        let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
        return .badInput(file: file, problem: "gzip \(operation) failed: \(message)")
    }
}
