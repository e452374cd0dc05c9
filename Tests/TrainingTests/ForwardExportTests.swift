import DetectionLoss
import Foundation
import Models
import Tensor
import TensorFiles
import Training
import TestSupport
import XCTest

/// `spd model forward`'s work: .npy in, PyTorch-layout .npy, loss.json and gradients out, checked against the
/// reference tensors.
final class ForwardExportTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spd-forward-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testEvalOutputsAndLossMatchReference() throws {
        let root = TestFixtures.repositoryRoot
        let golden = try TestFixtures.goldenYOLOv5SPDn
        func floats(_ name: String) throws -> [Float] {
            try Data(contentsOf: golden.appendingPathComponent(name)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        let inputPath = directory.appendingPathComponent("x.npy").path, targetsPath = directory.appendingPathComponent("t.npy").path
        try NPYWriter.write(.floats(try floats("input_2x3x256x256.f32")), dtype: .f32, shape: [2, 3, 256, 256], to: inputPath)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: golden.appendingPathComponent("reference.json"))) as! [String: Any]
        try NPYWriter.write(.floats((json["targets"] as! [[Double]]).flatMap { $0.map(Float.init) }), dtype: .f32, shape: [5, 6], to: targetsPath)

        let model = try DetectionModel(definition: ModelDefinition(contentsOf: root.appendingPathComponent("configs/models/yolov5-spd-n.yaml").path))
        try model.state.load(from: golden.appendingPathComponent("weights_seed0.safetensors").path)
        let out = directory.appendingPathComponent("out").path
        let hyperparameters = LossHyperparameters().scaledForTraining(levels: 3, classes: 80, imageSize: 256)
        try ForwardExport(model: model, training: false).run(images: try ForwardExport.readImages(inputPath), targets: nil,
                                                             hyperparameters: hyperparameters, directory: out)
        for (i, side) in [32, 16, 8].enumerated() {
            let raw = try NPYArray(contentsOf: "\(out)/raw_level\(i).npy")
            XCTAssertEqual(raw.shape, [2, 3, side, side, 85])
            let expected = try floats("eval_raw_level\(i)_2x3x\(side)x\(side)x85.f32")
            let worst = zip(try raw.floats(), expected).map { abs($0 - $1) - 1e-4 * abs($1) }.max()!
            XCTAssertLessThan(worst, 1e-4, "raw_level\(i).npy")
        }
        let decoded = try NPYArray(contentsOf: "\(out)/decoded.npy")
        XCTAssertEqual(decoded.shape, [2, 4032, 85])

        // Training mode with targets: loss.json and every parameter's gradient.
        let trainOut = directory.appendingPathComponent("train").path
        try ForwardExport(model: model, training: true).run(images: try ForwardExport.readImages(inputPath),
                                                            targets: try ForwardExport.readTargets(targetsPath),
                                                            hyperparameters: hyperparameters, directory: trainOut)
        let loss = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(trainOut)/loss.json"))) as! [String: Any]
        XCTAssertEqual(loss["loss_total_x_batch"] as! Double, json["loss_total(x bs)"] as! Double, accuracy: 0.448 * 1e-4)
        XCTAssertEqual(loss["targets_per_level"] as! [Int], [18, 30, 22])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(trainOut)/decoded.npy"), "decoded output is an eval-mode product")
        let gradients = try SafeTensorsFile(contentsOf: "\(trainOut)/gradients.safetensors")
        let weights = try SafeTensorsFile(contentsOf: golden.appendingPathComponent("weights_seed0.safetensors").path)
        XCTAssertEqual(gradients.names.count, 177)
        for name in gradients.names { XCTAssertEqual(try gradients.info(name).shape, try weights.info(name).shape, name) }
        let stem = try gradients.floats("model.0.conv.conv.weight")
        XCTAssertEqual(stem.reduce(0.0) { $0 + Double($1) }, json["grad_model0_conv_weight_sum"] as! Double, accuracy: 3.234 * 1e-3)
    }

    func testBadInputsNameTheFile() throws {
        let wrongShape = directory.appendingPathComponent("wrong.npy").path
        try NPYWriter.write(.floats([Float](repeating: 0, count: 12)), dtype: .f32, shape: [1, 4, 3], to: wrongShape)
        XCTAssertThrowsError(try ForwardExport.readImages(wrongShape)) { XCTAssertEqual("\($0)", "\(wrongShape): expected an (N, 3, H, W) array, got shape [1, 4, 3]") }
        XCTAssertThrowsError(try ForwardExport.readTargets(wrongShape)) {
            XCTAssertEqual("\($0)", "\(wrongShape): expected an (M, 6) array of (image, class, x, y, w, h) rows, got shape [1, 4, 3]")
        }
        let missing = directory.appendingPathComponent("missing.npy").path
        XCTAssertThrowsError(try ForwardExport.readImages(missing)) { XCTAssertTrue("\($0)".contains(missing), "\($0)") }
    }

    /// A ResNet port check: `spd model forward`'s classifier export (train mode, labels) against PyTorch running the
    /// same weights in tools/peer's ResNet18-SPD (its state-dict names are the reference's): logits, mean
    /// cross-entropy and every parameter's gradient.
    ///
    /// The reference runs in float64. In float32 a ReLU whose input lies within rounding of zero can flip; that
    /// moves the gradient of every layer before it by ~1e-2 of its norm (measured: 1 input in 5 at this size flips
    /// a unit in PyTorch's own float32 run as often as in SPDTrain's). So five fixed inputs: logits (1e-4) and loss
    /// (1e-4 relative) must match for every input, no gradient may be further off than a flip explains (5e-2), and
    /// for at least one input every gradient must be within 1e-4 of its tensor's norm (clean draws give ~5e-6; a
    /// port error fails all five).
    func testClassifierExportMatchesPyTorch() throws {
        try TestTools.requirePython(["torch", "yaml", "safetensors"])
        let root = TestFixtures.repositoryRoot.path
        guard case let .classification(definition) = try AnyModelDefinition(contentsOf: "\(root)/configs/models/resnet18-spd.yaml") else {
            return XCTFail("resnet18-spd.yaml is not a classifier")
        }
        let model = try ClassificationModel(definition: definition, classes: 10, seed: 3)
        let weights = directory.appendingPathComponent("weights.safetensors").path
        try model.state.save(to: weights)
        var draws: [String] = []
        for seed in UInt64(1)...5 {
            var random = SeededRandom(seed: seed)
            let draw = directory.appendingPathComponent("draw\(seed)").path
            let input = "\(draw)-x.npy", labels = "\(draw)-y.npy"
            try NPYWriter.write(.floats(random.floats(4 * 3 * 32 * 32, 0, 1)), dtype: .f32, shape: [4, 3, 32, 32], to: input)
            try NPYWriter.write(.int64s((0..<4).map { _ in Int64(random.next(upTo: 10)) }), dtype: .i64, shape: [4], to: labels)
            try ClassifierForwardExport(model: model, training: true).run(
                images: ForwardExport.readImages(input), labels: ClassifierForwardExport.readLabels(labels, classes: 10), directory: draw)
            draws.append(draw)
        }
        let script = """
        import json, sys, numpy as np, torch
        sys.path.insert(0, sys.argv[1] + '/tools/peer')
        import models
        from safetensors.torch import load_file
        torch.set_num_threads(1)
        net = models.build(sys.argv[1] + '/configs/models/resnet18-spd.yaml', nc=10)
        net.load_state_dict(load_file(sys.argv[2]), strict=True)
        net = net.double().train()
        results = []
        for draw in sys.argv[3:]:
            net.zero_grad()
            x = torch.from_numpy(np.load(draw + '-x.npy')).double(); y = torch.from_numpy(np.load(draw + '-y.npy'))
            logits = net(x)
            loss = torch.nn.functional.cross_entropy(logits, y)
            loss.backward()
            ours = load_file(draw + '/gradients.safetensors')
            worst = max((float((ours[k].double() - p.grad).norm() / max(p.grad.norm(), 1e-12)), k) for k, p in net.named_parameters())
            results.append({'logits': float(np.abs(np.load(draw + '/logits.npy') - logits.detach().numpy()).max()),
                            'loss': loss.item(), 'gradient': worst[0], 'gradient_tensor': worst[1],
                            'parameters': len(list(net.named_parameters())), 'gradients': len(ours)})
        print(json.dumps(results))
        """
        let run = try TestTools.runChecked(TestTools.python, ["-c", script, root, weights] + draws)
        let results = try XCTUnwrap(JSONSerialization.jsonObject(with: run.output) as? [[String: Any]], run.errors)
        XCTAssertEqual(results.count, draws.count)
        var cleanDraws = 0
        for (draw, result) in zip(draws, results) {
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(draw)/loss.json"))) as? [String: Any])
            print("ResNet18-SPD against PyTorch (float64), \(URL(fileURLWithPath: draw).lastPathComponent): \(result)")
            XCTAssertEqual(result["parameters"] as? Int, result["gradients"] as? Int, "a gradient for every parameter")
            XCTAssertLessThan(try XCTUnwrap(result["logits"] as? Double), 1e-4)
            let torchLoss = try XCTUnwrap(result["loss"] as? Double), spdLoss = try XCTUnwrap(report["loss"] as? Double)
            XCTAssertEqual(spdLoss, torchLoss, accuracy: 1e-4 * torchLoss)
            let gradient = try XCTUnwrap(result["gradient"] as? Double)
            XCTAssertLessThan(gradient, 5e-2, "more than a flipped ReLU explains: \(result["gradient_tensor"] ?? "")")
            if gradient < 1e-4 { cleanDraws += 1 }
        }
        XCTAssertGreaterThan(cleanDraws, 0, "no input gave every gradient within 1e-4 of PyTorch's")
    }

    /// Bad class labels for a classifier's export are errors naming the file and the problem.
    func testClassifierLabelsAreValidated() throws {
        let wrongShape = directory.appendingPathComponent("2d.npy").path, outside = directory.appendingPathComponent("big.npy").path
        try NPYWriter.write(.int64s([1, 2, 3, 4]), dtype: .i64, shape: [2, 2], to: wrongShape)
        try NPYWriter.write(.int64s([1, 10]), dtype: .i64, shape: [2], to: outside)
        XCTAssertThrowsError(try ClassifierForwardExport.readLabels(wrongShape, classes: 10)) { error in
            XCTAssertEqual("\(error)", "\(wrongShape): expected an (N,) array of class indices, got shape [2, 2]")
        }
        XCTAssertThrowsError(try ClassifierForwardExport.readLabels(outside, classes: 10)) { error in
            XCTAssertEqual("\(error)", "\(outside): class index 10 is outside 0..<10")
        }
    }
}
