/// Writes a POSIX ustar archive of regular files to a `ByteSink`: 512-byte headers (mode 0644, uid/gid 0,
/// mtime 0), contents padded to 512 bytes, and two zero blocks from `finish()`.
public final class TarWriter {
    private let sink: ByteSink
    private let header = UnsafeMutableRawBufferPointer.allocate(byteCount: TarHeader.blockSize, alignment: 16)
    private static let zeroBlocks = [UInt8](repeating: 0, count: 2 * TarHeader.blockSize)
    /// Bytes of tar stream written so far.
    public private(set) var bytesWritten = 0

    public init(sink: ByteSink) {
        self.sink = sink
    }

    deinit { header.deallocate() }

    /// The bytes a file of `size` bytes occupies in the archive (header plus padded contents).
    public static func archivedSize(ofFileWithSize size: Int) -> Int {
        TarHeader.archivedSize(ofFileWithSize: size)
    }

    /// Whether `name` fits a ustar header (at most 100 bytes, or split at a '/' into 155 + 100).
    public static func canRepresent(name: String) -> Bool {
        !name.isEmpty && TarHeader.splitName(name) != nil
    }

    /// Appends a regular file. Throws `.invalidMember` for a name or size ustar cannot hold.
    public func append(name: String, contents: UnsafeRawBufferPointer) throws {
        guard !name.isEmpty, let split = TarHeader.splitName(name) else {
            throw ShardError.invalidMember(file: sink.path, member: name, reason: "name does not fit a ustar header (100 bytes, or 155 + 100 split at '/')")
        }
        guard contents.count <= TarHeader.maxMemberSize else {
            throw ShardError.invalidMember(file: sink.path, member: name, reason: "\(contents.count) bytes exceed the ustar limit of 8 GiB")
        }
        TarHeader.encode(name: split, size: contents.count, into: header)
        try sink.write(UnsafeRawBufferPointer(header))
        try sink.write(contents)
        let padding = TarHeader.paddedSize(contents.count) - contents.count
        try Self.zeroBlocks.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[..<padding])) }
        bytesWritten += TarHeader.archivedSize(ofFileWithSize: contents.count)
    }

    /// Writes the end-of-archive marker (two zero blocks).
    public func finish() throws {
        try Self.zeroBlocks.withUnsafeBytes { try sink.write($0) }
        bytesWritten += Self.zeroBlocks.count
    }
}
