import Foundation
import Models
import Tensor
import TensorFiles
import XCTest
import Support

/// safetensors export and strict import of ResNet state.
final class ResNetWeightsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("resnet-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func images(_ n: Int, _ side: Int, seed: UInt64) -> Tensor {
        var random = SeededGenerator(seed: seed)
        return Tensor(TensorShape(n: n, h: side, w: side, c: 3), values: (0..<n * side * side * 3).map { _ in random.uniform(0, 1) })
    }

    /// Trained-looking state (running statistics and counters moved by training forwards) survives save and load:
    /// a fresh model with other weights gives identical eval outputs after loading.
    func testRoundTripGivesEqualOutputs() throws {
        for definition in [ResNetDefinition.resnet18(spd: true, classes: 7), .resnet50(spd: false, classes: 7)] {
            let model = try ClassificationModel(definition: definition, seed: 1)
            let batch = images(2, 32, seed: 2)
            for _ in 0..<2 { _ = try model.forward(batch, training: true) }
            let path = directory.appendingPathComponent("\(definition.name).safetensors").path
            try model.state.save(to: path)
            let expected = try model.forward(batch, training: false).values

            let fresh = try ClassificationModel(definition: definition, seed: 99)
            XCTAssertNotEqual(try fresh.forward(batch, training: false).values, expected)
            try fresh.state.load(from: path)
            XCTAssertEqual(try fresh.forward(batch, training: false).values, expected, definition.name)
            XCTAssertEqual(fresh.state.counters, model.state.counters)
            XCTAssertEqual(fresh.state.counters.first, 2)
            XCTAssertEqual(try SafeTensorsFile(contentsOf: path).namesInHeaderOrder.count, model.state.entries.count)
        }
    }

    /// A file missing a tensor and with a wrongly shaped one fails with one message naming both, changing nothing.
    func testLoadIsStrict() throws {
        let model = try ClassificationModel(definition: .resnet18(spd: true, classes: 5), seed: 1)
        var tensors = model.state.namedTensors()
        tensors.removeAll { $0.name == "conv3_x.0.residual_function.2.running_var" }
        let fc = tensors.firstIndex { $0.name == "fc.weight" }!
        tensors[fc] = NamedTensor(name: "fc.weight", shape: [6, 512], floats: [Float](repeating: 0, count: 6 * 512))
        let path = directory.appendingPathComponent("broken.safetensors").path
        try SafeTensorsWriter.write(tensors: tensors, to: path)

        let target = try ClassificationModel(definition: .resnet18(spd: true, classes: 5), seed: 2)
        let before = Array(target.state.parameterBuffer)
        XCTAssertThrowsError(try target.state.load(from: path)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(path), message)
            XCTAssertTrue(message.contains("1 missing: conv3_x.0.residual_function.2.running_var"), message)
            XCTAssertTrue(message.contains("'fc.weight' is F32 [6, 512], the model needs a float type [5, 512]"), message)
        }
        XCTAssertEqual(Array(target.state.parameterBuffer), before)
    }
}
