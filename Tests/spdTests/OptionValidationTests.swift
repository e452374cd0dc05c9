import ArgumentParser
import Foundation
@testable import spd
import XCTest

/// Options outside their domain are refused by the parser (exit 64 with the option named), and read-only commands
/// create nothing.
final class OptionValidationTests: XCTestCase {
    private func parseError<C: ParsableCommand>(_ type: C.Type, _ arguments: [String]) -> String? {
        do { _ = try type.parseAsRoot(arguments); return nil } catch { return type.message(for: error) }
    }

    func testThreadsAreBounded() {
        XCTAssertNil(parseError(BenchCommand.Train.self, ["--threads", "2"]))
        for bad in ["0", "-1", "100000"] {
            XCTAssertEqual(parseError(BenchCommand.Train.self, ["--threads=\(bad)"]),
                           "--threads must be from 1 to 64 (this OpenBLAS build's MAX_THREADS), got \(bad)")
            XCTAssertNotNil(parseError(DetectCommand.self, ["--weights", "w", "--cfg", "c", "--source", "s", "--threads=\(bad)"]))
        }
    }

    func testCoordinatorIntervalsAreBounded() {
        let base = ["--hostfile", "h"]
        XCTAssertNil(parseError(CoordinatorCommand.self, base))
        XCTAssertEqual(parseError(CoordinatorCommand.self, base + ["--poll=-1"]), "--poll must be seconds above 0 and at most a week, got -1.0")
        XCTAssertEqual(parseError(CoordinatorCommand.self, base + ["--poll", "nan"]), "--poll must be seconds above 0 and at most a week, got nan")
        XCTAssertEqual(parseError(CoordinatorCommand.self, base + ["--kill-grace=-3"]), "--kill-grace must be seconds from 0 to a day, got -3.0")
        XCTAssertEqual(parseError(CoordinatorCommand.self, base + ["--max-restarts=-1"]), "--max-restarts must be from 0 to 1000, got -1")
    }

    /// `spd status --state TYPO` used to create TYPO.
    func testReadOnlyCommandsCreateNoStateDirectory() throws {
        let missing = NSTemporaryDirectory() + "spd-typo-\(UUID().uuidString)"
        var status = try StatusCommand.parse(["--state", missing])
        XCTAssertThrowsError(try status.run()) { XCTAssertEqual(($0 as? ExitCode)?.rawValue, 1) }
        var logs = try LogsCommand.parse(["--state", missing, "run"])
        XCTAssertThrowsError(try logs.run())
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
    }
}
