import Foundation
@testable import Support
import XCTest
import Yams

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
        XCTAssertTrue(error("a: 1\nb: 'open\nc: 1\n")?.hasPrefix("x.yaml: not valid YAML: ") ?? false, "an unclosed quote is the parser's error")
    }

    /// A `#` right after a flow indicator starts a comment for libyaml; the bounds check took it for text, so a quote in
    /// that comment hid the flow nesting after it and Yams overflowed its stack (found by cluster/fuzz on the sweep
    /// target after 1.26M executions). A quote inside a plain value hid nesting the same way.
    func testCommentsAndQuotesCannotHideNesting() throws {
        let finding = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/regressions/sweep/comment-hides-nesting.yaml"), encoding: .utf8)
        XCTAssertTrue(error(finding)?.hasSuffix("nested deeper than 64 levels") ?? false, error(finding) ?? "accepted")
        let deep = String(repeating: "[", count: 100)
        XCTAssertEqual(error("a: [{# \"\n\(deep)\n"), "x.yaml: line 2: nested deeper than 64 levels")
        XCTAssertEqual(error("a: [x \"y, \(deep)\n"), "x.yaml: line 1: nested deeper than 64 levels")
        // A quoted value that spans lines is counted as text (too much, never too little); one on a line is skipped.
        XCTAssertEqual(try XCTUnwrap(BoundedYAML.load("a: \"[[[ x\"\nb: ['[[[', \"{{{\"]\n", file: "x.yaml") as? [String: Any])["a"] as? String, "[[[ x")
    }

    /// Block nesting that the text check counts too low (a multi-line quoted value resetting the indentation) is
    /// still parsed without overflowing: the parser runs on a large stack, and a 1 MiB file nests blocks at most about
    /// 1,450 levels.
    func testDeepBlockNestingParsesOnTheLargeStack() throws {
        var lines = ["r:"]
        for level in 1..<1200 { lines.append(String(repeating: " ", count: level) + "k\(level):") }
        lines.append(String(repeating: " ", count: 1200) + "v: 1")
        XCTAssertNotNil(try BoundedYAML.onLargeStack { try Yams.compose(yaml: lines.joined(separator: "\n")) })
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
