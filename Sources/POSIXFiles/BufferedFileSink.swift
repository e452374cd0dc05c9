/// Collects small writes into a buffer and passes them to a file descriptor in large blocks.
public final class BufferedFileSink {
    private let file: FileDescriptor
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0

    public init(file: FileDescriptor, capacity: Int = 1 << 20) {
        self.file = file
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if used + bytes.count > buffer.count {
            try flush()
        }
        if bytes.count >= buffer.count {
            try file.writeAll(bytes)
        } else {
            UnsafeMutableRawBufferPointer(rebasing: buffer[used...]).copyMemory(from: bytes)
            used += bytes.count
        }
    }

    public func write(_ text: String) throws {
        try Array(text.utf8).withUnsafeBytes { try write($0) }
    }

    /// Writes `values` encoded by `encode`, which fills `elementSize` bytes per value, directly into the
    /// buffer a block at a time, so large arrays are never encoded into a second full-size copy.
    public func writeEncoded<Element>(
        _ values: [Element], elementSize: Int,
        encode: (UnsafeBufferPointer<Element>, UnsafeMutableRawBufferPointer) -> Void
    ) throws {
        let valuesPerBlock = buffer.count / elementSize
        try values.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let end = min(start + valuesPerBlock, all.count)
                let byteCount = (end - start) * elementSize
                if used + byteCount > buffer.count {
                    try flush()
                }
                let destination = UnsafeMutableRawBufferPointer(rebasing: buffer[used..<used + byteCount])
                encode(UnsafeBufferPointer(rebasing: all[start..<end]), destination)
                used += byteCount
                start = end
            }
        }
    }

    public func flush() throws {
        try file.writeAll(UnsafeRawBufferPointer(rebasing: buffer[..<used]))
        used = 0
    }
}
