/// Reads a tar stream from a `ByteSource` member by member, without holding more than one member's contents.
/// Header checksums are verified; directories are skipped; other non-regular members are errors.
public final class TarReader {
    /// The largest member a shard may hold (an image and its labels; COCO's largest photo is 1.2 MB). A header
    /// claiming more is refused before anything that size is allocated.
    public static let maximumMemberSize = 256 << 20
    private let source: ByteSource
    private let header = UnsafeMutableRawBufferPointer.allocate(byteCount: TarHeader.blockSize, alignment: 16)
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    /// The member whose contents are next in the stream, and how many of its content and padding bytes remain.
    private var current: TarMember?
    private var unreadContents = 0
    private var unreadPadding = 0
    /// Offset in the tar stream of the next byte to read.
    public private(set) var offset: UInt64 = 0

    public var path: String { source.path }

    public init(source: ByteSource) {
        self.source = source
    }

    deinit {
        header.deallocate()
        scratch.deallocate()
    }

    /// The next regular-file member, or nil at the end-of-archive marker. Skips unread contents of the previous member.
    public func nextMember() throws -> TarMember? {
        try skipContents()
        while true {
            let headerOffset = offset
            let count = try source.readFully(into: header)
            offset += UInt64(count)
            guard count == TarHeader.blockSize else { throw ShardError.truncatedArchive(file: path, sample: nil) }
            switch try TarHeader.decode(UnsafeRawBufferPointer(header), offset: headerOffset, path: path) {
            case .endOfArchive:
                return nil
            case .directory:
                continue
            case let .file(member):
                guard member.size <= Self.maximumMemberSize else {
                    throw ShardError.invalidMember(file: path, member: member.name,
                                                   reason: "its header says \(member.size) bytes, more than the \(Self.maximumMemberSize) a sample member may have")
                }
                current = member
                unreadContents = member.size
                unreadPadding = TarHeader.paddedSize(member.size) - member.size
                return member
            }
        }
    }

    /// The contents of the member last returned by `nextMember`. Throws `.truncatedMember` if the stream ends early.
    public func readContents() throws -> [UInt8] {
        guard let member = current else { return [] }
        precondition(unreadContents == member.size, "contents of '\(member.name)' were already consumed")
        let contents = try [UInt8](unsafeUninitializedCapacity: member.size) { buffer, initialized in
            initialized = try source.readFully(into: UnsafeMutableRawBufferPointer(buffer))
        }
        offset += UInt64(contents.count)
        unreadContents -= contents.count
        guard unreadContents == 0 else { throw truncated(member) }
        try discardPadding(of: member)
        return contents
    }

    /// Discards whatever is left of the current member's contents.
    public func skipContents() throws {
        guard let member = current else { return }
        unreadContents -= try discard(unreadContents)
        guard unreadContents == 0 else { throw truncated(member) }
        try discardPadding(of: member)
    }

    /// Reads and discards the rest of the source (e.g. the record padding after the end-of-archive marker).
    public func drainSource() throws {
        while try source.read(into: scratch) > 0 {}
    }

    private func discardPadding(of member: TarMember) throws {
        unreadPadding -= try discard(unreadPadding)
        guard unreadPadding == 0 else { throw truncated(member) }
        current = nil
    }

    /// Reads and drops up to `count` bytes; returns how many there were.
    private func discard(_ count: Int) throws -> Int {
        var discarded = 0
        while discarded < count {
            let chunk = min(count - discarded, scratch.count)
            let read = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<chunk]))
            if read == 0 { break }
            discarded += read
        }
        offset += UInt64(discarded)
        return discarded
    }

    private func truncated(_ member: TarMember) -> ShardError {
        .truncatedMember(file: path, member: member.name, missingBytes: unreadContents + unreadPadding)
    }
}
