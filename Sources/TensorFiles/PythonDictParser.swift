/// The Python literals a .npy header dictionary holds.
enum PythonLiteral: Equatable {
    case string(String)
    case bool(Bool)
    /// A tuple of non-negative integers (a shape).
    case tuple([Int])
}

struct PythonSyntaxError: Error {
    let offset: Int
    let problem: String
}

/// Parses the Python dict literal of a .npy header: string keys; string, True/False or integer-tuple
/// values; optional trailing commas; then only whitespace.
struct PythonDictParser {
    private let text: [UInt8]
    private var position = 0

    init(text: [UInt8]) {
        self.text = text
    }

    mutating func parseDictionary() throws(PythonSyntaxError) -> [String: PythonLiteral] {
        var result: [String: PythonLiteral] = [:]
        try expect("{")
        while try !consumeIfPresent("}") {
            let key = try parseString()
            try expect(":")
            guard result.updateValue(try parseValue(), forKey: key) == nil else { throw error("duplicate key '\(key)'") }
            if try !consumeIfPresent(",") {
                try expect("}")
                break
            }
        }
        skipWhitespace()
        guard position == text.count else { throw error("unexpected text after the dictionary") }
        return result
    }

    private func error(_ problem: String) -> PythonSyntaxError {
        PythonSyntaxError(offset: position, problem: problem)
    }

    private var current: UInt8? {
        position < text.count ? text[position] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            position += 1
        }
    }

    private mutating func consumeIfPresent(_ character: Unicode.Scalar) throws(PythonSyntaxError) -> Bool {
        skipWhitespace()
        guard current == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ character: Unicode.Scalar) throws(PythonSyntaxError) {
        guard try consumeIfPresent(character) else { throw error("expected '\(character)'") }
    }

    private mutating func parseValue() throws(PythonSyntaxError) -> PythonLiteral {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "("): return .tuple(try parseTuple())
        default:
            if consumeWord("True") { return .bool(true) }
            if consumeWord("False") { return .bool(false) }
            throw error("expected a string, True, False or a tuple")
        }
    }

    private mutating func consumeWord(_ word: String) -> Bool {
        let bytes = Array(word.utf8)
        guard text[position...].starts(with: bytes) else { return false }
        position += bytes.count
        return true
    }

    /// A quoted string without escapes (NumPy headers never need them).
    private mutating func parseString() throws(PythonSyntaxError) -> String {
        skipWhitespace()
        guard let quote = current, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            throw error("expected a quoted string")
        }
        let start = position + 1
        guard let end = text[start...].firstIndex(of: quote) else { throw error("unterminated string") }
        guard !text[start..<end].contains(UInt8(ascii: "\\")) else { throw error("escapes in strings are not supported") }
        position = end + 1
        return String(decoding: text[start..<end], as: UTF8.self)
    }

    /// `(3, 4)`, `(3,)` or `()`; Python 2 long suffixes (`3L`) are accepted.
    private mutating func parseTuple() throws(PythonSyntaxError) -> [Int] {
        try expect("(")
        var elements: [Int] = []
        while try !consumeIfPresent(")") {
            elements.append(try parseInteger())
            _ = consumeWord("L")
            if try !consumeIfPresent(",") {
                try expect(")")
                break
            }
        }
        return elements
    }

    private mutating func parseInteger() throws(PythonSyntaxError) -> Int {
        skipWhitespace()
        let start = position
        while let byte = current, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
            position += 1
        }
        guard position > start, let value = Int(String(decoding: text[start..<position], as: UTF8.self)) else {
            position = start
            throw error("expected a non-negative integer")
        }
        return value
    }
}
