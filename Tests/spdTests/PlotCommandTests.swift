import ArgumentParser
import Foundation
@testable import spd
import XCTest

/// `spd plot`, run as the command line parses it.
final class PlotCommandTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "spd-plot-\(UUID().uuidString)"
        for run in ["a", "b"] { try FileManager.default.createDirectory(atPath: "\(directory!)/\(run)", withIntermediateDirectories: true) }
        try "epoch,metrics/mAP_0.5,x/lr0\n0,0.1,0.01\n1,0.2,0.009\n".write(toFile: "\(directory!)/a/results.csv", atomically: true, encoding: .utf8)
        try "epoch,metrics/mAP_0.5,x/lr0\n0,0.15,0.01\n".write(toFile: "\(directory!)/b/results.csv", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testTwoRunsOnePanel() throws {
        let out = "\(directory!)/compare.svg"
        let command = try PlotCommand.parse(["\(directory!)/a/results.csv", "\(directory!)/b/results.csv", "--y", "metrics/mAP_0.5", "--out", out])
        try command.run()
        let svg = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 3)
        XCTAssertTrue(svg.contains(">a</text>") && svg.contains(">b</text>"), "one line per run directory")
        XCTAssertTrue(svg.contains(">metrics/mAP_0.5</text>"))
        XCTAssertFalse(svg.contains(">x/lr0</text>"))
    }

    func testAPNGOut() throws {
        let out = "\(directory!)/compare.png"
        let command = try PlotCommand.parse(["\(directory!)/a/results.csv", "--out", out])
        try command.run()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    }

    func testBadInputFailsNamingTheFileAndWritesNothing() throws {
        let out = "\(directory!)/out.svg"
        for arguments in [["\(directory!)/missing.csv"], ["\(directory!)/a/results.csv", "--y", "metrics/AP_S"], ["\(directory!)/a/results.csv", "--x", "step"]] {
            let command = try PlotCommand.parse(arguments + ["--out", out])
            XCTAssertThrowsError(try command.run()) { XCTAssertEqual(($0 as? ExitCode)?.rawValue, 1, arguments.joined(separator: " ")) }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        XCTAssertThrowsError(try PlotCommand.parse(["--out", out]), "no file")
        XCTAssertThrowsError(try PlotCommand.parse(["x.csv", "--out", out, "--columns", "0"]))
    }
}
