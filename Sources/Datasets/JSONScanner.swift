/// A pull scanner over JSON text that reads only what its caller asks for and skips everything else without
/// building values, so a 448 MB COCO file costs its own bytes plus the fields kept.
struct JSONScanner {
    private let text: UnsafeRawBufferPointer
    private let file: String
    private(set) var position = 0

    init(text: UnsafeRawBufferPointer, file: String) {
        self.text = text
        self.file = file
    }

    /// An error naming the file and the byte offset.
    func error(_ problem: String) -> DatasetError {
        .badInput(file: file, problem: "invalid JSON at byte \(position): \(problem)")
    }

    mutating func skipWhitespace() {
        while position < text.count {
            switch text[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte, not consumed.
    mutating func peek() throws -> UInt8 {
        skipWhitespace()
        guard position < text.count else { throw error("unexpected end of text") }
        return text[position]
    }

    mutating func expect(_ byte: UInt8) throws {
        guard try peek() == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        position += 1
    }

    /// Whether the next value is `null` (consumed if so).
    mutating func skipNull() throws -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try skipValue()
        return true
    }

    /// Calls `body` with each member name of an object; `body` must consume the member's value.
    mutating func forEachMember(_ body: (inout JSONScanner, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") { position += 1; return }
        while true {
            let name = try readString()
            try expect(UInt8(ascii: ":"))
            try body(&self, name)
            switch try peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    /// Calls `body` for each element of an array; `body` must consume the element.
    mutating func forEachElement(_ body: (inout JSONScanner) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        if try peek() == UInt8(ascii: "]") { position += 1; return }
        while true {
            try body(&self)
            switch try peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    mutating func readString() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = position
        var hasEscapes = false
        while position < text.count && text[position] != UInt8(ascii: "\"") {
            if text[position] == UInt8(ascii: "\\") { hasEscapes = true; position += 1 }
            position += 1
        }
        guard position < text.count else { throw error("unterminated string") }
        let raw = UnsafeRawBufferPointer(rebasing: text[start ..< position])
        position += 1
        return hasEscapes ? try unescape(raw) : String(decoding: raw, as: UTF8.self)
    }

    mutating func readNumber() throws -> Double {
        _ = try peek()
        let start = position
        while position < text.count, Self.isNumberByte(text[position]) { position += 1 }
        let literal = String(decoding: UnsafeRawBufferPointer(rebasing: text[start ..< position]), as: UTF8.self)
        guard let value = Double(literal) else { position = start; throw error("expected a number") }
        return value
    }

    /// A number that must be an integer (e.g. an id).
    mutating func readInteger() throws -> Int {
        let value = try readNumber()
        guard value.rounded() == value, abs(value) < 1e15 else { throw error("expected an integer, found \(value)") }
        return Int(value)
    }

    /// Skips one value of any kind.
    mutating func skipValue() throws {
        switch try peek() {
        case UInt8(ascii: "\""):
            _ = try readRawString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipContainer()
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            while position < text.count, (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(text[position]) { position += 1 }
        default:
            _ = try readNumber()
        }
    }

    /// Skips a whole object or array by counting brackets outside strings.
    private mutating func skipContainer() throws {
        var depth = 0
        while position < text.count {
            let byte = text[position]
            switch byte {
            case UInt8(ascii: "\""):
                _ = try readRawString()
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { position += 1; return }
            default:
                break
            }
            position += 1
        }
        throw error("unterminated object or array")
    }

    private mutating func readRawString() throws {
        position += 1
        while position < text.count && text[position] != UInt8(ascii: "\"") {
            position += text[position] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard position < text.count else { throw error("unterminated string") }
        position += 1
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    /// Resolves backslash escapes, including \uXXXX with surrogate pairs.
    private func unescape(_ raw: UnsafeRawBufferPointer) throws -> String {
        var scalars = String.UnicodeScalarView()
        var bytes: [UInt8] = []
        func flushBytes() {
            scalars.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
            bytes.removeAll(keepingCapacity: true)
        }
        var index = 0
        func hex4() throws -> UInt32 {
            guard index + 4 < raw.count, let value = UInt32(String(decoding: raw[index + 1 ... index + 4], as: UTF8.self), radix: 16) else {
                throw error("bad \\u escape")
            }
            index += 4
            return value
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else { bytes.append(byte); index += 1; continue }
            index += 1
            switch raw[index] {
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "u"):
                flushBytes()
                var code = try hex4()
                if (0xD800 ..< 0xDC00).contains(code), index + 2 < raw.count, raw[index + 1] == UInt8(ascii: "\\"), raw[index + 2] == UInt8(ascii: "u") {
                    let highEnd = index
                    index += 2
                    let low = try hex4()
                    if (0xDC00 ..< 0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        // Not a pair (it overflowed before, a fuzzing finding): the high surrogate stands alone and
                        // the next escape is read on its own.
                        index = highEnd
                    }
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: bytes.append(raw[index])  // \" \\ \/
            }
            index += 1
        }
        flushBytes()
        return String(scalars)
    }
}
