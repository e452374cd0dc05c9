/// A regular-file member of a tar stream.
public struct TarMember: Equatable, Sendable {
    /// The member's path (ustar prefix and name joined by '/').
    public let name: String
    /// Size of the contents in bytes.
    public let size: Int
    /// Offset of the member's header in the uncompressed tar stream.
    public let offset: UInt64
}

/// Encoding and decoding of 512-byte POSIX ustar header blocks.
enum TarHeader {
    static let blockSize = 512
    /// The largest size an 11-digit octal size field holds.
    static let maxMemberSize = (1 << 33) - 1

    // Field offsets and lengths (POSIX.1-1988 ustar).
    private static let name = (offset: 0, length: 100)
    private static let mode = (offset: 100, length: 8)
    private static let uid = (offset: 108, length: 8)
    private static let gid = (offset: 116, length: 8)
    private static let size = (offset: 124, length: 12)
    private static let mtime = (offset: 136, length: 12)
    private static let checksum = (offset: 148, length: 8)
    private static let typeFlag = 156
    private static let magic = (offset: 257, length: 6)
    private static let version = (offset: 263, length: 2)
    private static let prefix = (offset: 345, length: 155)

    private static let regularFile = UInt8(ascii: "0")
    private static let oldRegularFile: UInt8 = 0
    private static let directory = UInt8(ascii: "5")

    /// The bytes a file of `size` bytes occupies in the archive: its header plus contents padded to whole blocks.
    static func archivedSize(ofFileWithSize size: Int) -> Int {
        blockSize + paddedSize(size)
    }

    static func paddedSize(_ size: Int) -> Int {
        (size + blockSize - 1) / blockSize * blockSize
    }

    /// Splits a path into ustar (prefix, name) fields, or returns nil if it cannot be represented.
    static func splitName(_ path: String) -> (prefix: Substring.UTF8View, name: Substring.UTF8View)? {
        let bytes = Substring(path).utf8
        if bytes.count <= name.length { return (Substring().utf8, bytes) }
        // Split at a '/' leaving at most 155 bytes before it and 1...100 bytes after it.
        var candidate = bytes.endIndex
        while let slash = bytes[..<candidate].lastIndex(of: UInt8(ascii: "/")) {
            let before = bytes[..<slash], after = bytes[bytes.index(after: slash)...]
            if after.count > name.length || after.isEmpty { return nil }
            if before.count <= prefix.length { return (before, after) }
            candidate = slash
        }
        return nil
    }

    /// Fills `block` (512 bytes) with the header of a regular file. `name` must come from `splitName`.
    static func encode(
        name split: (prefix: Substring.UTF8View, name: Substring.UTF8View), size fileSize: Int,
        into block: UnsafeMutableRawBufferPointer
    ) {
        block.initializeMemory(as: UInt8.self, repeating: 0)
        copy(split.name, to: block, at: name.offset)
        copy(split.prefix, to: block, at: prefix.offset)
        writeOctal(0o644, to: block, field: mode)
        writeOctal(0, to: block, field: uid)
        writeOctal(0, to: block, field: gid)
        writeOctal(fileSize, to: block, field: size)
        writeOctal(0, to: block, field: mtime)  // fixed, so identical input gives identical shards
        block[typeFlag] = regularFile
        copy("ustar\0".utf8, to: block, at: magic.offset)
        copy("00".utf8, to: block, at: version.offset)
        // The checksum field holds 6 octal digits, NUL, space.
        let sum = headerChecksum(UnsafeRawBufferPointer(block))
        writeOctal(sum, to: block, field: (checksum.offset, 7))
        block[checksum.offset + 7] = UInt8(ascii: " ")
    }

    /// What a header block holds.
    enum Decoded {
        case endOfArchive
        case directory
        case file(TarMember)
    }

    /// Decodes and verifies a header block found at `offset`; throws `.corruptTarHeader` or `.unsupportedMember`.
    static func decode(_ block: UnsafeRawBufferPointer, offset: UInt64, path: String) throws -> Decoded {
        if block.allSatisfy({ $0 == 0 }) { return .endOfArchive }
        let readableName = memberName(block)
        func corrupt(_ reason: String) -> ShardError {
            .corruptTarHeader(file: path, offset: offset, member: readableName, reason: reason)
        }
        guard let stored = parseOctal(block, field: checksum) else { throw corrupt("unreadable checksum field") }
        let computed = headerChecksum(block)
        guard stored == computed || stored == signedHeaderChecksum(block) else {
            throw corrupt("checksum mismatch (stored \(stored), computed \(computed))")
        }
        guard block[magic.offset ..< magic.offset + 5].elementsEqual("ustar".utf8) else { throw corrupt("not a ustar header") }
        guard let name = readableName, !name.isEmpty else { throw corrupt("member name is not UTF-8") }
        guard let memberSize = parseOctal(block, field: size) else { throw corrupt("unreadable size field") }
        switch block[typeFlag] {
        case regularFile, oldRegularFile: return .file(TarMember(name: name, size: memberSize, offset: offset))
        case directory: return .directory
        default: throw ShardError.unsupportedMember(file: path, member: name, typeFlag: block[typeFlag])
        }
    }

    /// The member's full name if its bytes are UTF-8; the POSIX prefix is used only with the POSIX magic ("ustar\0").
    private static func memberName(_ block: UnsafeRawBufferPointer) -> String? {
        guard let base = text(block, field: name) else { return nil }
        let isPosix = block[magic.offset ..< magic.offset + 6].elementsEqual("ustar\0".utf8)
        guard isPosix, let directory = text(block, field: prefix), !directory.isEmpty else { return base }
        return directory + "/" + base
    }

    /// Sum of the header bytes with the checksum field counted as spaces.
    private static func headerChecksum(_ block: UnsafeRawBufferPointer) -> Int {
        var sum = 0
        for index in 0 ..< blockSize { sum &+= Int(block[index]) }
        for index in checksum.offset ..< checksum.offset + checksum.length { sum &+= Int(UInt8(ascii: " ")) - Int(block[index]) }
        return sum
    }

    /// The same sum over signed bytes, which some old tar implementations wrote.
    private static func signedHeaderChecksum(_ block: UnsafeRawBufferPointer) -> Int {
        var sum = 0
        for index in 0 ..< blockSize { sum &+= Int(Int8(bitPattern: block[index])) }
        for index in checksum.offset ..< checksum.offset + checksum.length {
            sum &+= Int(UInt8(ascii: " ")) - Int(Int8(bitPattern: block[index]))
        }
        return sum
    }

    private static func copy<Bytes: Collection<UInt8>>(_ bytes: Bytes, to block: UnsafeMutableRawBufferPointer, at offset: Int) {
        for (index, byte) in bytes.enumerated() { block[offset + index] = byte }
    }

    /// Writes `value` as zero-padded octal digits followed by NUL, filling the field.
    private static func writeOctal(_ value: Int, to block: UnsafeMutableRawBufferPointer, field: (offset: Int, length: Int)) {
        var remaining = value
        block[field.offset + field.length - 1] = 0
        for index in stride(from: field.offset + field.length - 2, through: field.offset, by: -1) {
            block[index] = UInt8(ascii: "0") + UInt8(remaining & 7)
            remaining >>= 3
        }
        precondition(remaining == 0, "\(value) does not fit a \(field.length)-byte octal field")
    }

    /// Parses an octal field: optional leading spaces, digits, then NUL or space (or the field's end).
    private static func parseOctal(_ block: UnsafeRawBufferPointer, field: (offset: Int, length: Int)) -> Int? {
        var index = field.offset
        let end = field.offset + field.length
        while index < end && block[index] == UInt8(ascii: " ") { index += 1 }
        var value = 0, digits = 0
        while index < end, (UInt8(ascii: "0") ... UInt8(ascii: "7")).contains(block[index]) {
            value = value << 3 | Int(block[index] - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        guard digits > 0, index == end || block[index] == 0 || block[index] == UInt8(ascii: " ") else { return nil }
        return value
    }

    /// A NUL-terminated (or field-filling) text field, if it is valid UTF-8.
    private static func text(_ block: UnsafeRawBufferPointer, field: (offset: Int, length: Int)) -> String? {
        let bytes = block[field.offset ..< field.offset + field.length]
        let content = bytes.prefix { $0 != 0 }
        return String(validating: content, as: UTF8.self)
    }
}
