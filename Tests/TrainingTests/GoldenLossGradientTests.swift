import DetectionLoss
import Foundation
import Models
import Tensor
import Training
import TestSupport
import XCTest

/// YOLOv5-SPD-n forward + loss + backward against the reference implementation's loss items, build_targets
/// counts and gradient checksums (Tests/Fixtures/reference/yolov5-spd-n/reference.json).
final class GoldenLossGradientTests: XCTestCase {
    func testLossAndGradientChecksumsMatchReference() throws {
        let root = TestFixtures.repositoryRoot
        let golden = try TestFixtures.goldenYOLOv5SPDn
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: golden.appendingPathComponent("reference.json"))) as! [String: Any]
        let model = try DetectionModel(definition: ModelDefinition(contentsOf: root.appendingPathComponent("configs/models/yolov5-spd-n.yaml").path))
        try model.state.load(from: golden.appendingPathComponent("weights_seed0.safetensors").path)
        let nchw = try Data(contentsOf: golden.appendingPathComponent("input_2x3x256x256.f32")).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        var nhwc = [Float](repeating: 0, count: nchw.count)
        for b in 0..<2 { for c in 0..<3 { for p in 0..<(256 * 256) { nhwc[(b * 65536 + p) * 3 + c] = nchw[(b * 3 + c) * 65536 + p] } } }
        let images = Tensor(TensorShape(n: 2, h: 256, w: 256, c: 3), values: nhwc)
        let targets = (json["targets"] as! [[Double]]).map {
            DetectionTarget(image: Int($0[0]), classIndex: Int($0[1]), x: Float($0[2]), y: Float($0[3]), w: Float($0[4]), h: Float($0[5]))
        }
        let hyp = json["hyp_used_for_loss"] as! [String: Double]
        let step = try DetectionStep(model: model, hyperparameters: LossHyperparameters(box: hyp["box"]!, obj: hyp["obj"]!, cls: hyp["cls"]!))
        model.state.zeroGradients()
        let result = try step.run(images: images, targets: targets)

        XCTAssertEqual(result.targetsPerLevel, json["build_targets_counts_per_level"] as! [Int])
        let total = json["loss_total(x bs)"] as! Double, items = json["loss_items_box_obj_cls"] as! [Double]
        XCTAssertEqual(result.total, total, accuracy: total * 1e-4)
        XCTAssertEqual(result.box, items[0], accuracy: items[0] * 1e-4)
        XCTAssertEqual(result.objectness, items[1], accuracy: items[1] * 1e-4)
        XCTAssertEqual(result.classification, items[2], accuracy: items[2] * 1e-4)

        func gradient(_ name: String) -> [Float] {
            let entry = model.state.entries.first { $0.name == name }!
            return Array(UnsafeBufferPointer(start: model.state.gradients.pointer + entry.offset, count: entry.count))
        }
        let stem = gradient("model.0.conv.conv.weight")
        let sum = json["grad_model0_conv_weight_sum"] as! Double, absSum = json["grad_model0_conv_weight_abssum"] as! Double
        XCTAssertEqual(stem.reduce(0.0) { $0 + Double($1) }, sum, accuracy: abs(sum) * 1e-3)
        XCTAssertEqual(stem.reduce(0.0) { $0 + abs(Double($1)) }, absSum, accuracy: absSum * 1e-3)
        let detectBias = json["grad_detect_m0_bias_sum"] as! Double
        XCTAssertEqual(gradient("model.30.m.0.bias").reduce(0.0) { $0 + Double($1) }, detectBias, accuracy: abs(detectBias) * 1e-4)
    }
}
