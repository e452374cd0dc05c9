import RunFormat
import XCTest

/// results.csv read back, and the fitness epochs and runs are ranked by.
final class ResultsTableTests: XCTestCase {
    private let header = "epoch,train/box_loss,metrics/mAP_0.5,metrics/mAP_0.5:0.95,metrics/AP75,metrics/AP_S,metrics/AP_M,metrics/AP_L,x/lr0"

    func testTheBestRowIsTheBestFitness() throws {
        let csv = header + "\n0,1,0.5,0.20,0,0.1,0.2,0.3,0.01\n1,1,0.3,0.25,0,0.15,0.2,0.3,0.01\n2,1,0.9,0.21,0,0.12,0.2,0.3,0.01\n"
        // fitness 0.1*AP50 + 0.9*AP: 0.23, 0.255, 0.279
        XCTAssertEqual(try ResultsTable(csv: csv, file: "r.csv").bestDetectionMetrics()?["AP_S"], 0.12)
        XCTAssertNil(try ResultsTable(csv: "epoch,train/box_loss\n0,1\n", file: "r.csv").bestDetectionMetrics())
        XCTAssertThrowsError(try ResultsTable(csv: header + "\n0,1\n", file: "r.csv")) { XCTAssertEqual("\($0)", "r.csv: row 1 has 2 columns, the header 9") }
    }

    func testMetricNamesAndRows() throws {
        let table = try ResultsTable(csv: header + "\n0,1,0.5,0.20,0,0.1,0.2,0.3,0.01\n", file: "r.csv")
        XCTAssertEqual(table.metricNames, ["mAP_0.5", "mAP_0.5:0.95", "AP75", "AP_S", "AP_M", "AP_L"])
        XCTAssertEqual(table.metrics(ofRow: 0), ["mAP_0.5": 0.5, "mAP_0.5:0.95": 0.2, "AP75": 0, "AP_S": 0.1, "AP_M": 0.2, "AP_L": 0.3])
        XCTAssertEqual(table.rows[0]["x/lr0"], 0.01)
        XCTAssertEqual(detectionFitness(ap50: 0.5, ap: 0.2), 0.23, accuracy: 1e-15)
        XCTAssertNil(try ResultsTable(contentsOf: "/nonexistent/results.csv"))
    }

    /// YOLOv5 pads its cells with spaces; the table reads them the same.
    func testPaddedCellsAsYOLOv5WritesThem() throws {
        let table = try ResultsTable(csv: "               epoch,      train/box_loss\n                   0,            0.1157\n", file: "r.csv")
        XCTAssertEqual(table.columns, ["epoch", "train/box_loss"])
        XCTAssertEqual(table.rows[0]["train/box_loss"], 0.1157)
    }

    /// Chart panels: one per column, one line per group value, non-numeric cells left out; unknown columns name the file.
    func testChartPanels() throws {
        let csv = "ranks,allreduce,images_per_s,step_ms\n1,ours,10,800\n2,ours,19,840\n2,mpi,18,\n1,ideal,10,\n2,ideal,20,\n"
        let table = try ResultsTable(csv: csv, file: "scaling.csv")
        let panels = try table.chartPanels(x: "ranks", group: "allreduce", file: "scaling.csv")
        XCTAssertEqual(panels.map(\.title), ["images_per_s", "step_ms"])
        XCTAssertEqual(panels[0].series.map(\.name), ["ours", "mpi", "ideal"])
        XCTAssertEqual(panels[0].series[0].points.map(\.y), [10, 19])
        XCTAssertEqual(panels[1].series.map { $0.points.count }, [2, 0, 0])
        let named = try table.chartPanels(x: "ranks", columns: ["images_per_s"], name: "run-a", file: "scaling.csv")
        XCTAssertEqual(named.map(\.title), ["images_per_s"])
        XCTAssertEqual(named[0].series.map(\.name), ["run-a"])
        XCTAssertEqual(named[0].series[0].points.map(\.x), [1, 2, 2, 1, 2])
        XCTAssertThrowsError(try table.chartPanels(x: "epoch", file: "scaling.csv")) {
            XCTAssertEqual("\($0)", "scaling.csv: no column 'epoch' (columns: ranks, allreduce, images_per_s, step_ms)")
        }
    }

    /// An epoch without validation writes empty metric cells, so every row reads back (a short row stopped runs once
    /// the results plot read results.csv).
    func testEpochsWithoutValidationKeepEveryColumn() throws {
        let rows = [EpochResult(epoch: 0, trainLosses: [1, 2], metrics: [], validationLosses: [], learningRates: [0.1, 0.1, 0.1], seconds: 3),
                    EpochResult(epoch: 1, trainLosses: [1, 2], metrics: [0.5], validationLosses: [0.3, 0.4], learningRates: [0.1, 0.1, 0.1], seconds: 3)]
        let csv = EpochResult.csv(rows, lossNames: ["a", "b"], metricNames: ["m"])
        XCTAssertEqual(csv.split(separator: "\n")[1], "0,1,2,,,,0.1,0.1,0.1,3.0")
        let table = try ResultsTable(csv: csv, file: "results.csv")
        XCTAssertNil(table.rows[0]["metrics/m"])
        XCTAssertEqual(table.rows[1]["metrics/m"], 0.5)
    }
}
