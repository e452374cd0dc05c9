import Evaluation
import XCTest

/// YOLOv5 val.py's per-class statistics on cases worked by hand.
final class ClassMetricsTests: XCTestCase {
    private typealias Box = ClassMetricsAccumulator.Box

    /// Class 0: two labels; predictions at confidence 0.9 (exact), 0.8 (nowhere) and 0.7 (IoU 100/110). Class 1: one
    /// label and no prediction. A class-2 prediction has no labels and counts for nothing.
    func testPrecisionRecallAndAPWorkedByHand() {
        var accumulator = ClassMetricsAccumulator()
        accumulator.addImage(labels: [Box(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 10), Box(classIndex: 0, x1: 20, y1: 20, x2: 30, y2: 30),
                                      Box(classIndex: 1, x1: 40, y1: 40, x2: 50, y2: 50)],
                             predictions: [Box(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 10, confidence: 0.9),
                                           Box(classIndex: 0, x1: 60, y1: 60, x2: 70, y2: 70, confidence: 0.8),
                                           Box(classIndex: 2, x1: 40, y1: 40, x2: 50, y2: 50, confidence: 0.75),
                                           Box(classIndex: 0, x1: 20, y1: 20, x2: 30, y2: 31, confidence: 0.7)])
        let metrics = accumulator.result()
        XCTAssertEqual(metrics.classes.map(\.classIndex), [0, 1])
        XCTAssertEqual(metrics.classes.map(\.labels), [2, 1])
        // IoU 0.5: recall 1/2, 1/2, 1 and precision 1, 1/2, 2/3; the envelope is 1 up to recall 0.5, then 2/3 to
        // recall 1, where the sentinel drops to 0: 101-point trapezoids give 0.49 + 0.01 (1 + 2/3) / 2 + 0.49 (2/3)
        // + 0.01 (2/3) / 2.
        XCTAssertEqual(metrics.classes[0].ap50, 0.49 + 0.005 * (5.0 / 3) + 0.49 * 2 / 3 + 0.005 * 2 / 3, accuracy: 1e-12)
        // IoU 0.95: only the exact box: recall 1/2 throughout, precision 1, 1/2, 1/3: 0.49 + 0.005 (4/3) + the
        // triangle from 1/3 at recall 0.5 down to 0 at recall 1 (1/12). The other 9 thresholds are reached by 0.909.
        let ap95 = 0.49 + 0.005 * 4 / 3 + 1.0 / 12
        XCTAssertEqual(metrics.classes[0].ap, (9 * metrics.classes[0].ap50 + ap95) / 10, accuracy: 1e-12)
        XCTAssertEqual(metrics.classes[1].ap50, 0)
        // F1 is highest (0.8) at confidences up to 0.7, where P = 2/3 and R = 1; the first such grid point is 0.
        XCTAssertEqual(metrics.bestF1Index, 0)
        XCTAssertEqual(metrics.precision[0], 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(metrics.recall[0], 1, accuracy: 1e-12)
        XCTAssertEqual(metrics.precision[1], 0)
        XCTAssertEqual(metrics.meanPrecision, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(metrics.map50, metrics.classes[0].ap50 / 2, accuracy: 1e-12)
        XCTAssertEqual(metrics.table(names: ["shirt", "bag", "boot"]), [
            "               Class     Images     Labels          P          R     mAP@.5 mAP@.5:.95",
            "                 all          1          3      0.333        0.5      0.414      0.402",
            "               shirt          1          2      0.667          1      0.828      0.804",
            "                 bag          1          1          0          0          0          0",
        ])
    }

    /// Each prediction keeps its best label, then each label its earliest prediction: a second box on a label is a
    /// false positive even when it overlaps more.
    func testALabelMatchesItsEarliestPrediction() {
        var accumulator = ClassMetricsAccumulator()
        accumulator.addImage(labels: [Box(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 10)],
                             predictions: [Box(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 12, confidence: 0.9),
                                           Box(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 10, confidence: 0.8)])
        let metrics = accumulator.result()
        // Recall 1, 1 and precision 1, 1/2 at every threshold up to the first box's IoU 10/12: AP 0.995 there (the
        // sentinel drops precision to 0 at recall 1, so the last of the 100 trapezoids is half: val.py's ceiling).
        XCTAssertEqual(metrics.classes[0].ap50, 0.995, accuracy: 1e-12)
        // Above IoU 0.8333 (thresholds 0.85, 0.9, 0.95) the earliest box no longer counts, and the exact second box is
        // not a match either: AP 0 there.
        XCTAssertEqual(metrics.classes[0].ap, 7 * 0.995 / 10, accuracy: 1e-12)
    }
}
