import Foundation
import Models
import Tensor
import TensorFiles
import XCTest
import Support

final class StateDictionaryTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spd-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func nano() throws -> DetectionModel { try DetectionModel(definition: ModelDefinition(contentsOf: modelFile("yolov5-spd-n"))) }

    /// Loading the reference weights and exporting them gives the reference file's names, order, dtypes, shapes and values.
    func testExportOfReferenceWeightsEqualsReferenceFile() throws {
        let reference = try goldenDirectory().appendingPathComponent("weights_seed0.safetensors").path
        let model = try nano()
        try model.state.load(from: reference)
        let exported = directory.appendingPathComponent("export.safetensors").path
        try model.state.save(to: exported)
        let a = try SafeTensorsFile(contentsOf: reference), b = try SafeTensorsFile(contentsOf: exported)
        XCTAssertEqual(a.names, b.names)
        for name in a.names {
            XCTAssertEqual(try a.info(name).dtype, try b.info(name).dtype, name)
            XCTAssertEqual(try a.info(name).shape, try b.info(name).shape, name)
            XCTAssertEqual(try a.rawBytes(name), try b.rawBytes(name), name)
        }
    }

    /// A fresh model's export reloads into another model with identical outputs.
    func testRoundTripGivesIdenticalOutputs() throws {
        let first = try nano(), second = try DetectionModel(definition: ModelDefinition(contentsOf: modelFile("yolov5-spd-n")), seed: 99)
        let path = directory.appendingPathComponent("w.safetensors").path
        try first.state.save(to: path)
        try second.state.load(from: path)
        var random = SeededGenerator(seed: 1)
        let images = Tensor(TensorShape(n: 1, h: 64, w: 96, c: 3), values: (0..<64 * 96 * 3).map { _ in random.uniform(0, 1) })
        let a = try first.forward(images, training: false).map(\.values), b = try second.forward(images, training: false).map(\.values)
        XCTAssertEqual(a, b)
    }

    func testStrictLoadListsEveryProblemAndChangesNothing() throws {
        let model = try nano()
        var tensors = model.state.namedTensors()
        tensors.removeAll { $0.name == "model.1.bn.running_var" }
        let index = tensors.firstIndex { $0.name == "model.0.conv.conv.weight" }!
        tensors[index] = NamedTensor(name: "model.0.conv.conv.weight", shape: [16, 12, 1, 1], floats: [Float](repeating: 0, count: 192))
        tensors.append(NamedTensor(name: "model.99.extra", shape: [1], floats: [1]))
        let path = directory.appendingPathComponent("bad.safetensors").path
        try SafeTensorsWriter.write(tensors: tensors, to: path)
        let before = Array(model.state.parameterBuffer)
        XCTAssertThrowsError(try model.state.load(from: path)) { error in
            XCTAssertEqual("\(error)", "\(path): weights do not fit the model: 1 missing: model.1.bn.running_var; 1 unexpected: model.99.extra; "
                           + "'model.0.conv.conv.weight' is F32 [16, 12, 1, 1], the model needs a float type [16, 12, 3, 3]")
        }
        XCTAssertEqual(Array(model.state.parameterBuffer), before)
    }

    func testWeightsOfAnotherModelAreRejected() throws {
        let path = directory.appendingPathComponent("baseline.safetensors").path
        try DetectionModel(definition: ModelDefinition(contentsOf: modelFile("yolov5-n"))).state.save(to: path)
        XCTAssertThrowsError(try nano().state.load(from: path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path): weights do not fit the model:"), "\(error)")
        }
    }

    func testMissingAndCorruptFilesNameTheFile() throws {
        let missing = directory.appendingPathComponent("none.safetensors").path
        XCTAssertThrowsError(try nano().state.load(from: missing)) { XCTAssertTrue("\($0)".contains(missing), "\($0)") }
        let corrupt = directory.appendingPathComponent("corrupt.safetensors").path
        try nano().state.save(to: corrupt)
        let data = try Data(contentsOf: URL(fileURLWithPath: corrupt))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: corrupt))
        XCTAssertThrowsError(try nano().state.load(from: corrupt)) { XCTAssertTrue("\($0)".contains(corrupt), "\($0)") }
    }
}
