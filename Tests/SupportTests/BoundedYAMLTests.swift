import Foundation
import Support
import XCTest

/// The YAML bounds every reader goes through: deep nesting and aliases are refused before Yams parses (a 10 KB file
/// nested 5000 levels deep overflowed the parser's stack; an alias bomb grew memory without bound).
final class BoundedYAMLTests: XCTestCase {
    private func error(_ text: String) -> String? {
        do { _ = try BoundedYAML.load(text, file: "x.yaml"); return nil } catch { return "\(error)" }
    }

    func testDeepNestingIsRefusedInEveryForm() {
        let flow = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        XCTAssertEqual(error("a: " + flow), "x.yaml: line 1: nested deeper than 64 levels")
        XCTAssertEqual(error(String(repeating: "- ", count: 5000) + "x"), "x.yaml: line 1: nested deeper than 64 levels")
        let block = (0..<100).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1"
        XCTAssertEqual(error(block), "x.yaml: line 65: nested deeper than 64 levels")
        let mapping = String(repeating: "{a: ", count: 100) + "1" + String(repeating: "}", count: 100)
        XCTAssertEqual(error(mapping), "x.yaml: line 1: nested deeper than 64 levels")
        // 64 levels are allowed.
        XCTAssertNil(error("a: " + String(repeating: "[", count: 63) + String(repeating: "]", count: 63)))
    }

    func testAliasesAreRefused() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        XCTAssertEqual(error(bomb), "x.yaml: line 2: YAML aliases (*name) are not accepted here: an alias can expand without bound")
        XCTAssertEqual(error("a: &x 1\nb: *x\n"), "x.yaml: line 2: YAML aliases (*name) are not accepted here: an alias can expand without bound")
    }

    /// Quotes, apostrophes, comments and arithmetic that look like the refused forms are not.
    func testLookAlikesAreAccepted() throws {
        let text = """
        # a comment with *star and [[[[ brackets
        name: don't [care]   # it's fine
        quoted: '*not an alias, it''s [quoted'
        double: "[[[ \\" *x"
        product: 3 * 4
        glob: ["*"]
        list: [-1, 1, nn.Upsample, [None, 2, 'nearest']]
        """
        let value = try XCTUnwrap(BoundedYAML.load(text, file: "x.yaml") as? [String: Any])
        XCTAssertEqual(value["quoted"] as? String, "*not an alias, it's [quoted")
        XCTAssertEqual(value["product"] as? String, "3 * 4")
        XCTAssertEqual(error("a: 1\nb: 'open\nc: 1\n"), "x.yaml: line 2: a quoted value is not closed")
    }

    /// A list or mapping as a mapping key made Yams's constructor trap (found by cluster/fuzz on the model target).
    func testNonScalarKeysAreRefused() {
        XCTAssertEqual(error("a: 1\n? [-1, 1, x]\n: 2\n"), "x.yaml: line 2: a mapping key must be a plain value, not a list or mapping")
        XCTAssertEqual(error("rows:\n  - {[1, 2]: 3}\n"), "x.yaml: line 2: a mapping key must be a plain value, not a list or mapping")
        let crash = try? String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/regressions/model/complex-key.yaml"), encoding: .utf8)
        XCTAssertNotNil(crash)
        XCTAssertEqual(error(crash ?? ""), "x.yaml: line 5: a mapping key must be a plain value, not a list or mapping")
    }

    func testSizeLimitAndInvalidYAML() {
        XCTAssertEqual(error(String(repeating: "#", count: BoundedYAML.maximumBytes + 1)),
                       "x.yaml: \(BoundedYAML.maximumBytes + 1) bytes; a YAML file may have at most \(BoundedYAML.maximumBytes)")
        XCTAssertTrue(error("a: [1, 2")?.hasPrefix("x.yaml: not valid YAML: ") ?? false)
    }

    /// Every YAML file of the repository (the models, recipes, sweeps, data files and test fixtures) stays inside the bounds.
    func testTheRepositorysOwnFilesPass() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var checked = 0
        for folder in ["configs", "Tests/Fixtures"] {
            let enumerator = try XCTUnwrap(FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path))
            for case let relative as String in enumerator where relative.hasSuffix(".yaml") {
                let path = root.appendingPathComponent(folder).appendingPathComponent(relative).path
                XCTAssertNoThrow(try BoundedYAML.checkBounds(String(contentsOfFile: path, encoding: .utf8), file: path))
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 30)
    }
}
