import Evaluation
import XCTest

final class ClassificationMetricsTests: XCTestCase {
    /// Six samples over six classes, with the true class ranked 0, 1, 3, 5 and, by tied logits, 1 and 0.
    private let logits: [Float] = [
        5, 1, 0, 0, 0, 0,  // label 0: predicted 0
        3, 2, 1, 0, 0, 0,  // label 1: predicted 0, second
        0, 1, 2, 3, 4, 5,  // label 2: predicted 5, fourth
        0, 1, 1, 1, 1, 1,  // label 0: predicted 1, last: not in the top 5
        1, 1, 0, 0, 0, 0,  // label 1: tied with class 0, which comes first
        1, 1, 0, 0, 0, 0,  // label 0: tied with class 1, first
    ]
    private let labels = [0, 1, 2, 0, 1, 0]

    func testHandMadeConfusionCase() throws {
        let metrics = try ClassificationMetrics(logits: logits, labels: labels, classCount: 6)
        XCTAssertEqual(metrics.sampleCount, 6)
        XCTAssertEqual(metrics.top1Correct, 2)
        XCTAssertEqual(metrics.top5Correct, 5)
        XCTAssertEqual(metrics.top1Accuracy, 2.0 / 6)
        XCTAssertEqual(metrics.top5Accuracy, 5.0 / 6)
        var expected = [Int](repeating: 0, count: 36)
        expected[0 * 6 + 0] = 2
        expected[0 * 6 + 1] = 1
        expected[1 * 6 + 0] = 2
        expected[2 * 6 + 5] = 1
        XCTAssertEqual(metrics.confusion, expected)
        XCTAssertEqual(metrics.perClassAccuracy, [2.0 / 3, 0, 0, nil, nil, nil])
    }

    func testBatchesAddUpToTheWholeSet() throws {
        var metrics = ClassificationMetrics(classCount: 6)
        try metrics.add(logits: Array(logits[..<24]), labels: Array(labels[..<4]))
        try metrics.add(logits: Array(logits[24...]), labels: Array(labels[4...]))
        XCTAssertEqual(metrics, try ClassificationMetrics(logits: logits, labels: labels, classCount: 6))
    }

    func testReport() throws {
        let metrics = try ClassificationMetrics(logits: [2, 1, 0, 0, 1, 2, 0, 1, 2, 2, 0, 1], labels: [0, 2, 1, 0], classCount: 3)
        XCTAssertEqual(metrics.report(classNames: ["cat", "dog", "bird"]), """
            top-1 accuracy 0.7500, top-5 accuracy 1.0000 (4 samples, 3 classes)
            true \\ predicted   cat   dog  bird  accuracy
            cat                  2     0     0    1.0000
            dog                  0     0     1    0.0000
            bird                 0     0     1    1.0000

            """)
    }

    func testRejectsMismatchedInput() {
        XCTAssertThrowsError(try ClassificationMetrics(logits: [1, 2, 3], labels: [0, 1], classCount: 2)) {
            XCTAssertEqual($0 as? ClassificationInputError, .shapeMismatch(logitCount: 3, labelCount: 2, classCount: 2))
        }
        XCTAssertThrowsError(try ClassificationMetrics(logits: [1, 2, 3, 4], labels: [0, 2], classCount: 2)) {
            XCTAssertEqual($0 as? ClassificationInputError, .labelOutOfRange(sample: 1, label: 2, classCount: 2))
        }
    }
}
