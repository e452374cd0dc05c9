import Evaluation
import XCTest

/// Small cases whose statistics are worked out by hand (order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100,
/// ARs, ARm, ARl).
final class COCOEvaluatorTests: XCTestCase {
    private func box(_ x: Double, _ y: Double, _ width: Double, _ height: Double) -> COCOBox {
        COCOBox(x: x, y: y, width: width, height: height)
    }

    private func object(_ id: Int, _ box: COCOBox, crowd: Bool = false, image: Int = 0) -> COCOAnnotation {
        COCOAnnotation(id: id, imageID: image, categoryID: 1, box: box, area: box.area, isCrowd: crowd)
    }

    private func detection(_ box: COCOBox, _ score: Double, image: Int = 0, category: Int = 1) -> COCODetection {
        COCODetection(imageID: image, categoryID: category, box: box, score: score)
    }

    private func summary(_ annotations: [COCOAnnotation], _ detections: [COCODetection], images: [Int] = [0]) throws -> [Double] {
        try COCOEvaluator(groundTruth: COCOGroundTruth(imageIDs: images, categoryIDs: [1], annotations: annotations)).evaluate(detections).values
    }

    private func assertStats(_ actual: [Double], _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, 12, file: file, line: line)
        for (name, (value, target)) in zip(COCOStatistic.all.map(\.name), zip(actual, expected)) {
            XCTAssertEqual(value, target, accuracy: 1e-12, name, file: file, line: line)
        }
    }

    func testOnePerfectDetectionScoresOne() throws {
        let medium = box(10, 10, 50, 50)
        assertStats(try summary([object(1, medium)], [detection(medium, 0.9)]), [1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 1, -1])
    }

    func testHalfOverlapMatchesOnlyAtIoUOneHalf() throws {
        // Intersection 100 over union 200: exactly 0.5, matched at the first threshold only.
        let stats = try summary([object(1, box(0, 0, 20, 10))], [detection(box(0, 0, 10, 10), 0.9)])
        assertStats(stats, [0.1, 1, 0, 0.1, -1, -1, 0.1, 0.1, 0.1, 0.1, -1, -1])
    }

    func testCrowdRegionAbsorbsDetections() throws {
        let car = box(0, 0, 100, 100)
        let crowd = object(2, box(200, 0, 300, 300), crowd: true)
        let inside = [box(210, 10, 50, 50), box(300, 100, 40, 40), box(400, 200, 60, 60)]
        let detections = [detection(inside[0], 0.95), detection(car, 0.9), detection(inside[1], 0.8), detection(inside[2], 0.7)]
        // The crowd matches are ignored, so precision stays 1; with one detection per image only the ignored one is kept.
        assertStats(try summary([object(1, car), crowd], detections), [1, 1, 1, -1, -1, 1, 0, 1, 1, -1, -1, 1])
    }

    func testPrecisionEnvelopeSampledAtRecallThresholds() throws {
        // Hit, miss, hit: recall 0.5, 0.5, 1 and precision 1, 1/2, 2/3. Recall thresholds 0...0.50 sample 1,
        // 0.51...1 sample 2/3.
        let first = box(0, 0, 100, 100), second = box(200, 0, 100, 100)
        let detections = [detection(first, 0.9), detection(box(400, 400, 100, 100), 0.8), detection(second, 0.7)]
        let ap = (51 + 50 * (2 / (3 + Double.ulpOfOne))) / 101
        assertStats(try summary([object(1, first), object(2, second)], detections), [ap, ap, ap, -1, -1, ap, 0.5, 1, 1, -1, -1, 1])
    }

    func testAreaBoundsBelongToBothRanges() throws {
        let onBound = box(0, 0, 32, 32)
        assertStats(try summary([object(1, onBound)], [detection(onBound, 0.5)]), [1, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1, -1])
    }

    func testMatchWithAnnotationIDZeroCountsAsMissLikePycocotools() throws {
        let target = box(0, 0, 50, 50)
        assertStats(try summary([object(0, target)], [detection(target, 0.9)]), [0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, -1])
    }

    func testNoDetectionsAndUnknownCategoriesScoreZero() throws {
        let target = box(0, 0, 50, 50)
        assertStats(try summary([object(1, target)], [detection(target, 0.9, category: 7)]), [0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, -1])
    }

    func testDetectionOfUnknownImageIsAnError() throws {
        let evaluator = COCOEvaluator(groundTruth: COCOGroundTruth(imageIDs: [0], categoryIDs: [1], annotations: []))
        XCTAssertThrowsError(try evaluator.evaluate([detection(box(0, 0, 1, 1), 1), detection(box(0, 0, 1, 1), 1, image: 5)])) {
            XCTAssertEqual($0 as? COCOEvaluationError, .unknownImage(detectionIndex: 1, imageID: 5))
        }
    }

    func testSummaryLinesAndJSON() throws {
        let medium = box(10, 10, 50, 50)
        let summary = try COCOEvaluator(groundTruth: COCOGroundTruth(imageIDs: [0], categoryIDs: [1], annotations: [object(1, medium)]))
            .evaluate([detection(medium, 0.9)])
        XCTAssertEqual(summary.lines[0], " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000")
        XCTAssertEqual(summary.lines[1], " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 1.000")
        XCTAssertEqual(summary.lines[9], " Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000")
        XCTAssertEqual(summary.lines[6], " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 1.000")
        let zeros = try COCOEvaluator(groundTruth: COCOGroundTruth(imageIDs: [0], categoryIDs: [1], annotations: [object(1, medium)]))
            .evaluate([])
        XCTAssertEqual(zeros.json, "{\"AP\": 0.0, \"AP50\": 0.0, \"AP75\": 0.0, \"APs\": -1.0, \"APm\": 0.0, \"APl\": -1.0, "
            + "\"AR1\": 0.0, \"AR10\": 0.0, \"AR100\": 0.0, \"ARs\": -1.0, \"ARm\": 0.0, \"ARl\": -1.0}\n")
    }
}
