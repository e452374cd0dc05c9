// A small strict JSON parser and string encoder for safetensors headers. Foundation's JSONSerialization
// would lose the order of object members and silently merge duplicate names; safetensors readers must
// see both.

/// A JSON value; object members keep their order in the text, duplicates included.
enum JSONValue {
    case object([(name: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number, kept as its literal text.
    case number(String)
    case bool(Bool)
    case null

    /// The value as an `Int` when it is a number written as a non-negative integer that fits.
    var nonNegativeInteger: Int? {
        guard case .number(let text) = self, text.utf8.allSatisfy(isDigit) else { return nil }
        return Int(text)
    }
}

/// Malformed JSON text: what is wrong and at which byte offset.
struct JSONSyntaxError: Error {
    let offset: Int
    let problem: String
}

/// Parses one JSON value filling all of `text` (surrounding whitespace allowed). `text` must be valid UTF-8.
func parseJSON(_ text: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONValue {
    var parser = JSONParser(text: text)
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.position == text.count else { throw parser.error("unexpected text after the JSON value") }
    return value
}

private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}

/// `text` as a JSON string literal, quotes included.
func jsonQuoted(_ text: String) -> String {
    var quoted = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": quoted += "\\\""
        case "\\": quoted += "\\\\"
        case "\n": quoted += "\\n"
        case "\r": quoted += "\\r"
        case "\t": quoted += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: quoted.unicodeScalars.append(scalar)
        }
    }
    return quoted + "\""
}

private struct JSONParser {
    static let maximumDepth = 64
    let text: UnsafeRawBufferPointer
    var position = 0

    init(text: UnsafeRawBufferPointer) {
        self.text = text
    }

    func error(_ problem: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, problem: problem)
    }

    var current: UInt8? {
        position < text.count ? text[position] : nil
    }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            position += 1
        }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONSyntaxError) {
        skipWhitespace()
        guard current == byte else { throw error("expected \(what)") }
        position += 1
    }

    mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < Self.maximumDepth else { throw error("nested more than \(Self.maximumDepth) levels deep") }
        skipWhitespace()
        guard let byte = current else { throw error("unexpected end of text") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character")
        }
    }

    mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        position += 1
        var members: [(name: String, value: JSONValue)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        repeat {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
            let name = try parseString()
            try expect(UInt8(ascii: ":"), "':' after a member name")
            members.append((name, try parseValue(depth: depth + 1)))
            skipWhitespace()
        } while try consumeSeparator(orClosing: UInt8(ascii: "}"), "',' or '}' in an object")
        return .object(members)
    }

    mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        repeat {
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
        } while try consumeSeparator(orClosing: UInt8(ascii: "]"), "',' or ']' in an array")
        return .array(elements)
    }

    /// Consumes ',' (returning true: another element follows) or `closing` (returning false).
    mutating func consumeSeparator(orClosing closing: UInt8, _ what: String) throws(JSONSyntaxError) -> Bool {
        switch current {
        case UInt8(ascii: ","): position += 1; return true
        case closing: position += 1; return false
        default: throw error("expected \(what)")
        }
    }

    mutating func parseLiteral(_ literal: String) throws(JSONSyntaxError) {
        for byte in literal.utf8 {
            guard current == byte else { throw error("invalid literal, expected '\(literal)'") }
            position += 1
        }
    }

    mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else {
            try parseDigits()
        }
        if current == UInt8(ascii: ".") {
            position += 1
            try parseDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try parseDigits()
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: text[start..<position]), as: UTF8.self)
    }

    mutating func parseDigits() throws(JSONSyntaxError) {
        guard let byte = current, isDigit(byte) else { throw error("expected a digit in a number") }
        while let byte = current, isDigit(byte) { position += 1 }
    }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw error("unterminated string") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                utf8.append(contentsOf: try parseEscape())
            case 0..<0x20:
                position -= 1
                throw error("control character in a string")
            default:
                utf8.append(byte)
            }
        }
    }

    /// Parses the escape after a backslash and returns its UTF-8 bytes.
    mutating func parseEscape() throws(JSONSyntaxError) -> [UInt8] {
        guard let byte = current else { throw error("unterminated string") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return [byte]
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "u"): return Array(String(try parseUnicodeEscape()).utf8)
        default:
            position -= 1
            throw error("invalid escape in a string")
        }
    }

    /// Parses the hex digits of `\uXXXX` (and a following `\uXXXX` low surrogate when needed).
    mutating func parseUnicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        let first = try parseHexQuad()
        var value = first
        if (0xD800..<0xDC00).contains(first) {
            guard current == UInt8(ascii: "\\") else { throw error("unpaired surrogate in \\u escape") }
            position += 1
            guard current == UInt8(ascii: "u") else { throw error("unpaired surrogate in \\u escape") }
            position += 1
            let second = try parseHexQuad()
            guard (0xDC00..<0xE000).contains(second) else { throw error("unpaired surrogate in \\u escape") }
            value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else { throw error("unpaired surrogate in \\u escape") }
        return scalar
    }

    mutating func parseHexQuad() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = hexDigitValue(byte) else { throw error("expected 4 hex digits after \\u") }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    func hexDigitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
