import DetectionLoss
import Foundation
import XCTest

/// The loss on the reference model's train-mode outputs, against the numbers PyTorch computed
/// (Tests/Fixtures/reference/yolov5-spd-n/reference.json).
final class GoldenLossTests: XCTestCase {
    private static let anchorsInPixels: [[(w: Float, h: Float)]] = [
        [(10, 13), (16, 30), (33, 23)], [(30, 61), (62, 45), (59, 119)], [(116, 90), (156, 198), (373, 326)],
    ]

    func testLossAndGradientMatchReference() throws {
        let directory = try referenceDirectory()
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("reference.json")))
        let reference = try XCTUnwrap(json as? [String: Any])
        let hyp = try XCTUnwrap(reference["hyp_used_for_loss"] as? [String: Double])
        let rows = try XCTUnwrap(reference["targets"] as? [[Double]])
        let items = try XCTUnwrap(reference["loss_items_box_obj_cls"] as? [Double])
        let expectedTotal = try XCTUnwrap(reference["loss_total(x bs)"] as? Double)
        let expectedCounts = try XCTUnwrap(reference["build_targets_counts_per_level"] as? [Int])
        let expectedBiasGradientSum = try XCTUnwrap(reference["grad_detect_m0_bias_sum"] as? Double)

        let hyperparameters = LossHyperparameters().scaledForTraining(levels: 3, classes: 80, imageSize: 256)
        XCTAssertEqual(hyperparameters.box, try XCTUnwrap(hyp["box"]), accuracy: 1e-15)
        XCTAssertEqual(hyperparameters.obj, try XCTUnwrap(hyp["obj"]), accuracy: 1e-15)
        XCTAssertEqual(hyperparameters.cls, try XCTUnwrap(hyp["cls"]), accuracy: 1e-15)
        XCTAssertEqual(Double(hyperparameters.anchorThreshold), try XCTUnwrap(hyp["anchor_t"]))

        let targets = rows.map {
            DetectionTarget(image: Int($0[0]), classIndex: Int($0[1]), x: Float($0[2]), y: Float($0[3]),
                            w: Float($0[4]), h: Float($0[5]))
        }
        let levels = try [32, 16, 8].enumerated().map { index, size in
            let name = "train_raw_level\(index)_2x3x\(size)x\(size)x85.f32"
            let pytorch = try readFloats(directory.appendingPathComponent(name))
            XCTAssertEqual(pytorch.count, 2 * 3 * size * size * 85, name)
            return LevelOutput(raw: channelsLast(fromPyTorch: pytorch, batch: 2, anchors: 3, ny: size, nx: size, outputs: 85),
                               ny: size, nx: size)
        }
        let loss = try YOLOLoss(classes: 80, anchorsInPixels: Self.anchorsInPixels, strides: [8, 16, 32],
                                hyperparameters: hyperparameters)
        let (breakdown, gradients) = try evaluate(loss, levels, batch: 2, targets: targets, gradients: true)

        XCTAssertEqual(breakdown.targetsPerLevel, expectedCounts)
        assertRelativelyClose(breakdown.total, expectedTotal, 1e-5, "total")
        assertRelativelyClose(breakdown.box, items[0], 1e-5, "box")
        assertRelativelyClose(breakdown.objectness, items[1], 1e-5, "objectness")
        assertRelativelyClose(breakdown.classification, items[2], 1e-5, "classification")
        // Detect.m[0].bias receives the sum of d(total)/d(raw) over every level-0 element.
        let biasGradientSum = gradients[0].reduce(0.0) { $0 + Double($1) }
        assertRelativelyClose(biasGradientSum, expectedBiasGradientSum, 1e-4, "sum of level-0 gradients")
        print(String(format: "golden: total %.9f box %.9f obj %.9f cls %.9f counts %@ level-0 gradient sum %.9f",
                     breakdown.total, breakdown.box, breakdown.objectness, breakdown.classification,
                     breakdown.targetsPerLevel.description, biasGradientSum))
    }
}
