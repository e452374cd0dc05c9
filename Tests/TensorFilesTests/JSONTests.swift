import XCTest
@testable import TensorFiles

final class JSONTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue {
        try Array(text.utf8).withUnsafeBytes { try parseJSON($0) }
    }

    func testKeepsMemberOrderAndDuplicates() throws {
        guard case .object(let members) = try parse(#" {"b": 1, "a": [true, false, null], "b": -2.5e3} "#) else {
            return XCTFail("not an object")
        }
        XCTAssertEqual(members.map(\.name), ["b", "a", "b"])
        guard case .number("-2.5e3") = members[2].value else { return XCTFail("\(members[2].value)") }
    }

    func testStringEscapesRoundTripThroughTheEncoder() throws {
        let text = "quote \" backslash \\ slash / newline \n tab \t bell \u{7} é 😀"
        guard case .string(let parsed) = try parse(jsonQuoted(text)) else { return XCTFail("not a string") }
        XCTAssertEqual(parsed, text)
        XCTAssertEqual(jsonQuoted("a\u{7}\"b"), #""a\u0007\"b""#)
        guard case .string("😀é") = try parse(#""\ud83d\ude00\u00e9""#) else { return XCTFail("surrogate pair") }
    }

    func testIntegers() throws {
        XCTAssertEqual(try parse("6912").nonNegativeInteger, 6912)
        XCTAssertNil(try parse("-1").nonNegativeInteger)
        XCTAssertNil(try parse("1.0").nonNegativeInteger)
        XCTAssertNil(try parse("99999999999999999999").nonNegativeInteger)
    }

    func testSyntaxErrorsGiveTheirOffset() {
        let cases: [(String, Int, String)] = [
            ("{\"a\" 1}", 5, "expected ':' after a member name"),
            ("[1,]", 3, "unexpected character"),
            ("[1 2]", 3, "expected ',' or ']' in an array"),
            ("\"abc", 4, "unterminated string"),
            ("\"\\x\"", 2, "invalid escape in a string"),
            ("\"\\ud800\"", 7, #"unpaired surrogate in \u escape"#),
            ("01", 1, "unexpected text after the JSON value"),
            ("1.", 2, "expected a digit in a number"),
            ("tru", 3, "invalid literal, expected 'true'"),
            ("", 0, "unexpected end of text"),
            (String(repeating: "[", count: 100), 64, "nested more than 64 levels deep"),
        ]
        for (text, offset, problem) in cases {
            do {
                _ = try parse(text)
                XCTFail("\(text) parsed")
            } catch let error as JSONSyntaxError {
                XCTAssertEqual(error.offset, offset, text)
                XCTAssertEqual(error.problem, problem, text)
            } catch {
                XCTFail("\(text): unexpected \(error)")
            }
        }
    }
}
