import Detection
import XCTest

/// Hand-made cases for YOLOv5 v6.0 non_max_suppression semantics.
final class NMSTests: XCTestCase {
    /// One prediction row: centre x, centre y, width, height, objectness, class scores.
    private func row(_ cx: Float, _ cy: Float, _ w: Float, _ h: Float, _ objectness: Float, _ classes: [Float]) -> [Float] {
        [cx, cy, w, h, objectness] + classes
    }

    private func options(_ configure: (inout NMSOptions) -> Void = { _ in }) -> NMSOptions {
        var options = NMSOptions()
        configure(&options)
        return options
    }

    func testOverlappingSameClassIsSuppressed() {
        let predictions = row(100, 100, 50, 50, 0.9, [0.9, 0.1]) + row(105, 100, 50, 50, 0.9, [0.8, 0.1])
        let kept = nonMaxSuppression(predictions, batchSize: 1, classCount: 2)[0]
        XCTAssertEqual(kept, [DetectionBox(x1: 75, y1: 75, x2: 125, y2: 125, score: 0.9 * 0.9, classIndex: 0)])
    }

    func testDifferentClassesDoNotSuppressEachOther() {
        let predictions = row(100, 100, 50, 50, 0.9, [0.9, 0.1]) + row(100, 100, 50, 50, 0.9, [0.1, 0.8])
        let kept = nonMaxSuppression(predictions, batchSize: 1, classCount: 2)[0]
        XCTAssertEqual(kept.map(\.classIndex), [0, 1])
        let agnostic = nonMaxSuppression(predictions, batchSize: 1, classCount: 2, options: options { $0.classAgnostic = true })[0]
        XCTAssertEqual(agnostic.map(\.classIndex), [0])
    }

    func testIoUThresholdIsStrict() {
        // IoU of [0,0,10,10] and [5,0,15,10] is 50 / 150 = 1/3.
        let predictions = row(5, 5, 10, 10, 1, [0.9]) + row(10, 5, 10, 10, 1, [0.8])
        XCTAssertEqual(nonMaxSuppression(predictions, batchSize: 1, classCount: 1, options: options { $0.iouThreshold = 0.34 })[0].count, 2)
        XCTAssertEqual(nonMaxSuppression(predictions, batchSize: 1, classCount: 1, options: options { $0.iouThreshold = 0.33 })[0].count, 1)
    }

    func testMultiLabelGivesOneBoxPerClassAboveThreshold() {
        let predictions = row(50, 50, 20, 20, 0.8, [0.5, 0.9, 0.2])
        let single = nonMaxSuppression(predictions, batchSize: 1, classCount: 3, options: options { $0.confidenceThreshold = 0.3 })[0]
        XCTAssertEqual(single.map(\.classIndex), [1])
        let multi = nonMaxSuppression(predictions, batchSize: 1, classCount: 3, options: options {
            $0.confidenceThreshold = 0.3
            $0.multiLabel = true
        })[0]
        XCTAssertEqual(multi.map(\.classIndex), [1, 0])  // 0.72 then 0.4; 0.16 is under the threshold
        XCTAssertEqual(multi.map(\.score), [0.8 * 0.9, 0.8 * 0.5])
        XCTAssertEqual(multi[0].x1, multi[1].x1)
    }

    func testConfidenceThresholdAppliesToObjectnessThenToClassScore() {
        let predictions = row(10, 10, 4, 4, 0.25, [1.0])  // objectness not above 0.25
            + row(30, 30, 4, 4, 0.9, [0.2])  // 0.18 not above 0.25
            + row(50, 50, 4, 4, 0.5, [0.6])  // 0.3: kept
        let kept = nonMaxSuppression(predictions, batchSize: 1, classCount: 1)[0]
        XCTAssertEqual(kept.map(\.x1), [48])
        let multi = nonMaxSuppression(predictions, batchSize: 1, classCount: 1, options: options { $0.multiLabel = true })[0]
        XCTAssertEqual(multi, kept)
    }

    func testMaxDetectionsKeepsTheHighestScores() {
        var predictions: [Float] = []
        for i in 0..<10 { predictions += row(Float(i) * 100 + 10, 10, 10, 10, 1, [Float(i + 1) / 20]) }
        let kept = nonMaxSuppression(predictions, batchSize: 1, classCount: 1, options: options {
            $0.confidenceThreshold = 0.01
            $0.maxDetections = 3
        })[0]
        XCTAssertEqual(kept.map(\.x1), [905, 805, 705])
    }

    func testMaxCandidatesLimitsWhatEntersNMS() {
        let predictions = row(10, 10, 10, 10, 1, [0.9]) + row(100, 10, 10, 10, 1, [0.5]) + row(200, 10, 10, 10, 1, [0.7])
        let kept = nonMaxSuppression(predictions, batchSize: 1, classCount: 1, options: options { $0.maxCandidates = 2 })[0]
        XCTAssertEqual(kept.map(\.score), [0.9, 0.7])
    }

    func testOrderIsByScoreThenPredictionIndex() {
        let predictions = row(300, 10, 10, 10, 1, [0.5]) + row(10, 10, 10, 10, 1, [0.9])
            + row(100, 10, 10, 10, 1, [0.5]) + row(200, 10, 10, 10, 1, [0.7])
        let kept = nonMaxSuppression(predictions, batchSize: 1, classCount: 1)[0]
        XCTAssertEqual(kept.map(\.x1), [5, 195, 295, 95])
    }

    func testClassFilterAndBatches() {
        let image0 = row(10, 10, 10, 10, 1, [0.9, 0.1]) + row(50, 50, 10, 10, 1, [0.1, 0.9])
        let image1 = row(10, 10, 10, 10, 0.1, [0.9, 0.1]) + row(10, 10, 10, 10, 0.1, [0.9, 0.1])
        let both = nonMaxSuppression(image0 + image1, batchSize: 2, classCount: 2)
        XCTAssertEqual(both.map(\.count), [2, 0])
        let onlyOne = nonMaxSuppression(image0 + image1, batchSize: 2, classCount: 2, options: options { $0.classes = [1] })
        XCTAssertEqual(onlyOne[0].map(\.classIndex), [1])
    }

    func testScaleBoxesSubtractsPaddingDividesAndClips() {
        let box = DetectionBox(x1: 10, y1: 90, x2: 650, y2: 570, score: 0.5, classIndex: 2)
        let scaled = scaleBoxes([box], gain: 2, padX: 20, padY: 80, imageWidth: 300, imageHeight: 200)[0]
        XCTAssertEqual([scaled.x1, scaled.y1, scaled.x2, scaled.y2], [0, 5, 300, 200])
        XCTAssertEqual(scaled.classIndex, 2)
    }

    /// A box mapped into YOLOv5's 640 letterbox of a 500x338 image (ratio 1.28, padY 103.5) comes back.
    func testScaleBoxesUndoesTheLetterbox() {
        let original: [Float] = [48, 240, 195, 338]
        let ratio: Float = 1.28, padX: Float = 0, padY: Float = 103.5
        let forward = DetectionBox(x1: original[0] * ratio + padX, y1: original[1] * ratio + padY,
                                   x2: original[2] * ratio + padX, y2: original[3] * ratio + padY, score: 0.9, classIndex: 3)
        let back = scaleBoxes([forward], gain: 1.28, padX: 0, padY: 103.5, imageWidth: 500, imageHeight: 338)[0]
        for (value, expected) in zip([back.x1, back.y1, back.x2, back.y2], original) {
            XCTAssertEqual(value, expected, accuracy: 1e-3)
        }
        XCTAssertEqual([back.score, Float(back.classIndex)], [0.9, 3])
    }
}
