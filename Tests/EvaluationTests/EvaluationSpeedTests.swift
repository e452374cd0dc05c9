import Evaluation
import Foundation
import Tensor
import XCTest
import Support

/// Validation during training: 5000 images with 300 detections each must take seconds.
final class EvaluationSpeedTests: XCTestCase {
    func testFiveThousandImagesWithThreeHundredDetectionsEach() throws {
        var random = SeededGenerator(seed: 7)
        var annotations: [COCOAnnotation] = [], detections: [COCODetection] = []
        for image in 0..<5000 {
            for _ in 0..<7 {
                let box = COCOBox(x: .random(in: 0...500, using: &random), y: .random(in: 0...400, using: &random),
                                  width: .random(in: 4...200, using: &random), height: .random(in: 4...200, using: &random))
                annotations.append(COCOAnnotation(id: annotations.count + 1, imageID: image, categoryID: .random(in: 0..<80, using: &random),
                                                  box: box, area: box.area))
            }
            let nearby = annotations.suffix(7)
            for index in 0..<300 {
                let source = nearby[nearby.startIndex + index % 7]
                var box = source.box
                box.x += .random(in: -10...10, using: &random)
                box.y += .random(in: -10...10, using: &random)
                let category = index < 100 ? source.categoryID : .random(in: 0..<80, using: &random)
                detections.append(COCODetection(imageID: image, categoryID: category, box: box, score: .random(in: 0...1, using: &random)))
            }
        }
        let evaluator = COCOEvaluator(groundTruth: COCOGroundTruth(imageIDs: Array(0..<5000), categoryIDs: Array(0..<80), annotations: annotations))
        let start = Date()
        let summary = try evaluator.evaluate(detections)
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "COCO evaluation of 5000 images x 300 detections: %.2f s, AP %.3f", seconds, summary.ap))
        XCTAssertGreaterThan(summary.ap, 0)
        XCTAssertLessThan(seconds, 20)
    }
}
