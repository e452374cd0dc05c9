import XCTest
@testable import Coordinator

final class ReportTests: XCTestCase {
    private let header = "epoch,train/box_loss,metrics/mAP_0.5,metrics/mAP_0.5:0.95,metrics/AP75,metrics/AP_S,metrics/AP_M,metrics/AP_L,x/lr0"

    func testRunResultsReadARunDirectory() throws {
        let directory = try temporaryDirectory(self)
        try (header + "\n0,1,0.5,0.2,0,0.1,0.2,0.3,0.01\n").write(toFile: "\(directory)/results.csv", atomically: true, encoding: .utf8)
        try "model: tiny-spd\nimgsz: 64\nclasses: 2\n".write(toFile: "\(directory)/config.yaml", atomically: true, encoding: .utf8)
        try "{\"images_per_second\": 10}\n{\"images_per_second\": 30}\n{\"images_per_second\": 20}\n".write(toFile: "\(directory)/metrics.jsonl", atomically: true, encoding: .utf8)
        try appendEvents(directory, [["event": "started", "time": 100.0], ["event": "failed", "time": 150.0], ["event": "started", "time": 160.0], ["event": "done", "time": 220.0]])
        let results = try XCTUnwrap(try RunResults(directory: directory))
        XCTAssertEqual(results, RunResults(metrics: ["mAP_0.5": 0.5, "mAP_0.5:0.95": 0.2, "AP75": 0, "AP_S": 0.1, "AP_M": 0.2, "AP_L": 0.3],
                                           imagesPerSecond: 20, wallSeconds: 120, model: "tiny-spd", imageSize: 64, classes: 2))
    }

    func testRowsAggregateSeedsPerSizeAndVariant() {
        let runs = [spec("n-spd-0", size: "n", variant: "spd", seed: 0), spec("n-spd-1", size: "n", variant: "spd", seed: 1),
                    spec("n-str-0", size: "n", variant: "strided", seed: 0), spec("n-str-1", size: "n", variant: "strided", seed: 1)]
        func result(_ ap: Double, _ apSmall: Double) -> RunResults {
            RunResults(metrics: ["mAP_0.5:0.95": ap, "mAP_0.5": ap * 2, "AP_S": apSmall], imagesPerSecond: 100, wallSeconds: 60, model: "m", imageSize: 64, classes: 2)
        }
        let report = Report(sweep: "cmp", runs: runs, results: ["n-spd-0": result(0.3, 0.1), "n-spd-1": result(0.5, 0.2), "n-str-0": result(0.2, 0.05)],
                            costs: ["n-spd-0": ModelCost(parameters: 1000, gflops: 1.5), "n-str-0": ModelCost(parameters: 900, gflops: 1.2)])
        XCTAssertEqual(report.rows.map(\.variant), ["spd", "strided"])
        XCTAssertEqual(report.rows[0].values["mAP_0.5:0.95"]?.mean ?? 0, 0.4, accuracy: 1e-12)
        XCTAssertEqual(report.rows[0].values["mAP_0.5:0.95"]?.deviation ?? 0, (0.02).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(report.rows[1].finished, 1)
        XCTAssertEqual(report.rows[1].values["AP_S"]?.deviation, 0)
        XCTAssertNil(report.rows[1].values["AP_M"])
        let markdown = report.markdown.split(separator: "\n")
        XCTAssertEqual(markdown[0], "| size | variant | seeds | params | GFLOPs | AP | AP50 | AP_S | AP_M | AP_L | images/s | wall s |")
        XCTAssertEqual(markdown[2], "| n | spd | 2/2 | 1000 | 1.50 | 0.4000 ± 0.1414 | 0.8000 ± 0.2828 | 0.1500 ± 0.0707 | - | - | 100.0 ± 0.0 | 60 ± 0 |")
        XCTAssertEqual(report.csv.split(separator: "\n")[2], "n,strided,1,2,900,1.2000,0.2,0.0,0.4,0.0,0.05,0.0,,,,,100.0,0.0,60.0,0.0")
        let svg = report.plotSVG
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 2)
        XCTAssertTrue(svg.contains(">strided</text>"))
    }
}
