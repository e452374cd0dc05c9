import Evaluation
import XCTest

/// YOLOv5's detection confusion matrix on images worked by hand, quirks included.
final class DetectionConfusionMatrixTests: XCTestCase {
    private typealias Box = ClassMetricsAccumulator.Box

    func testCountsAsYOLOv5Does() {
        var matrix = DetectionConfusionMatrix(classCount: 2)
        let background = 2
        // Labels of classes 0 and 1; a right prediction, a class-0 prediction on the class-1 object, a stray class-1
        // prediction, and one under the confidence threshold.
        matrix.addImage(labels: [Box(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 10), Box(classIndex: 1, x1: 20, y1: 20, x2: 30, y2: 30)],
                        predictions: [Box(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 10, confidence: 0.9),
                                      Box(classIndex: 0, x1: 20, y1: 20, x2: 30, y2: 30, confidence: 0.8),
                                      Box(classIndex: 1, x1: 60, y1: 60, x2: 70, y2: 70, confidence: 0.9),
                                      Box(classIndex: 1, x1: 0, y1: 0, x2: 10, y2: 10, confidence: 0.2)])
        // A missed object.
        matrix.addImage(labels: [Box(classIndex: 1, x1: 0, y1: 0, x2: 10, y2: 10)], predictions: [])
        // No labels: not counted.
        matrix.addImage(labels: [], predictions: [Box(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 10, confidence: 0.9)])
        // Nothing matched (IoU 1/3): the label is missed, and the stray prediction is not counted (YOLOv5 counts
        // strays only in an image where something matched).
        matrix.addImage(labels: [Box(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 10)], predictions: [Box(classIndex: 0, x1: 5, y1: 0, x2: 15, y2: 10, confidence: 0.9)])

        XCTAssertEqual(matrix.count(predicted: 0, true: 0), 1)
        XCTAssertEqual(matrix.count(predicted: 0, true: 1), 1)
        XCTAssertEqual(matrix.count(predicted: 1, true: background), 1)
        XCTAssertEqual(matrix.count(predicted: background, true: 1), 1)
        XCTAssertEqual(matrix.count(predicted: background, true: 0), 1)
        XCTAssertEqual(matrix.counts.reduce(0, +), 5)
        let normalized = matrix.columnNormalized
        XCTAssertEqual(normalized[0 * 3 + 0], 0.5, accuracy: 1e-6, "true class 0: one found, one missed")
        XCTAssertEqual(normalized[1 * 3 + 2], 1, accuracy: 1e-5, "the background column's only count")
    }
}
