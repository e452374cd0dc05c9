import Foundation
import Models
import ONNX
import Support
import Tensor
import TestSupport
import XCTest

/// Exported graphs run by onnxruntime (PyPI, cluster/requirements-test.txt) on the reference implementation's golden
/// input must give SPDTrain's own eval forward to 1e-4 (absolute, plus 1e-4 relative). Batch-norm running statistics
/// are set to seeded non-trivial values first, so the graph's batch norm is checked too.
final class ModelGraphsTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        try TestTools.requirePython(["onnxruntime", "onnx", "numpy"])
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spd-onnx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    private func modelFile(_ name: String) -> String { TestFixtures.repositoryRoot.appendingPathComponent("configs/models/\(name).yaml").path }

    /// The golden input, [2, 3, 256, 256] NCHW.
    private func goldenInput() throws -> [Float] {
        let data = try Data(contentsOf: try TestFixtures.goldenYOLOv5SPDn.appendingPathComponent("input_2x3x256x256.f32"))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Every batch norm's running mean in +-0.2 and running variance in 0.5...1.5 (seeded).
    private func perturbBatchNormStatistics(_ state: ModelState, seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for entry in state.entries where entry.kind == .buffer {
            let values = state.buffers.pointer + entry.offset
            if entry.name.hasSuffix(".running_mean") {
                for i in 0..<entry.count { values[i] = random.uniform(-0.2, 0.2) }
            } else if entry.name.hasSuffix(".running_var") {
                for i in 0..<entry.count { values[i] = random.uniform(0.5, 1.5) }
            }
        }
    }

    /// Checks the model file with onnx.checker, runs it with onnxruntime on `input` (NCHW, `shape`) and returns its
    /// output and the shape onnxruntime reports.
    private func runONNX(_ graph: ONNXGraph, input: [Float], shape: [Int]) throws -> (values: [Float], shape: [Int]) {
        let model = "\(directory!)/model.onnx", inputFile = "\(directory!)/input.f32", outputFile = "\(directory!)/output.f32"
        try Data(graph.encoded(opset: exportedOpset, producerVersion: "test")).write(to: URL(fileURLWithPath: model))
        try input.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: inputFile)) }
        let script = """
        import sys, numpy as np, onnx, onnxruntime as ort
        model, inputs, outputs, shape = sys.argv[1], sys.argv[2], sys.argv[3], [int(s) for s in sys.argv[4].split(",")]
        onnx.checker.check_model(onnx.load(model), full_check=True)
        session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
        (output,) = session.run(None, {"images": np.fromfile(inputs, dtype=np.float32).reshape(shape)})
        output.astype(np.float32).tofile(outputs)
        print(",".join(str(s) for s in output.shape))
        """
        let result = try TestTools.runChecked(TestTools.python, ["-c", script, model, inputFile, outputFile, shape.map(String.init).joined(separator: ",")])
        let outputShape = result.text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
        let data = try Data(contentsOf: URL(fileURLWithPath: outputFile))
        return (data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, outputShape)
    }

    private func assertClose(_ actual: [Float], _ expected: [Float], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, label, file: file, line: line)
        var worst: Float = 0, worstIndex = 0
        for (i, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) - 1e-4 * abs(e) > worst {
            worst = abs(a - e) - 1e-4 * abs(e)
            worstIndex = i
        }
        XCTAssertLessThan(worst, 1e-4, "\(label): worst excess error \(worst) at \(worstIndex)", file: file, line: line)
    }

    private func nhwc(_ v: [Float], n: Int, c: Int, h: Int, w: Int) -> [Float] {
        var out = [Float](repeating: 0, count: v.count)
        for b in 0..<n { for y in 0..<h { for x in 0..<w { for k in 0..<c { out[((b * h + y) * w + x) * c + k] = v[((b * c + k) * h + y) * w + x] } } } }
        return out
    }

    /// A detector's decoded output from onnxruntime against `Detect.decode` after SPDTrain's eval forward.
    private func checkDetection(_ model: DetectionModel, input: [Float], side: Int) throws {
        perturbBatchNormStatistics(model.state, seed: 11)
        let images = Tensor(TensorShape(n: 2, h: side, w: side, c: 3), values: nhwc(input, n: 2, c: 3, h: side, w: side))
        _ = try model.forward(images, training: false)
        var decoded = [Float](repeating: 0, count: 2 * model.detect.predictionsPerImage * model.detect.outputsPerAnchor)
        decoded.withUnsafeMutableBufferPointer { model.detect.decode(into: $0.baseAddress!) }
        let graph = try ModelGraphs.detection(model, imageSize: side)
        let (values, shape) = try runONNX(graph, input: input, shape: [2, 3, side, side])
        XCTAssertEqual(shape, [2, model.detect.predictionsPerImage, model.detect.outputsPerAnchor])
        assertClose(values, decoded, "decoded output")
    }

    func testYOLOv5SPDnMatchesTheEvalForwardOnTheGoldenInput() throws {
        let model = try DetectionModel(definition: ModelDefinition(contentsOf: modelFile("yolov5-spd-n")))
        try model.state.load(from: try TestFixtures.goldenYOLOv5SPDn.appendingPathComponent("weights_seed0.safetensors").path)
        try checkDetection(model, input: try goldenInput(), side: 256)
    }

    /// The strided baseline (stride-2 convs instead of space_to_depth), randomly initialised, 2 classes.
    func testStridedYOLOv5nMatchesTheEvalForward() throws {
        let model = try DetectionModel(definition: ModelDefinition(contentsOf: modelFile("yolov5-n")), classes: 2, seed: 4)
        try checkDetection(model, input: try goldenInput(), side: 256)
    }

    /// ResNet-SPD (SPD stem, conv -> SPD -> BN blocks) and the baseline ResNet: logits on the golden input's top-left
    /// 64 x 64 crop.
    func testResNetsMatchTheEvalForward() throws {
        let full = try goldenInput(), side = 64
        var crop = [Float](repeating: 0, count: 2 * 3 * side * side)
        for b in 0..<2 { for c in 0..<3 { for y in 0..<side { for x in 0..<side {
            crop[((b * 3 + c) * side + y) * side + x] = full[((b * 3 + c) * 256 + y) * 256 + x]
        } } } }
        for name in ["resnet18-spd", "resnet18"] {
            guard case let .classification(definition) = try AnyModelDefinition(contentsOf: modelFile(name)) else { return XCTFail("\(name) is not a classifier") }
            let model = try ClassificationModel(definition: definition, classes: 7, seed: 2)
            perturbBatchNormStatistics(model.state, seed: 12)
            let logits = try model.forward(Tensor(TensorShape(n: 2, h: side, w: side, c: 3), values: nhwc(crop, n: 2, c: 3, h: side, w: side)), training: false)
            let expected = Array(UnsafeBufferPointer(start: logits.pointer, count: logits.count))
            let (values, shape) = try runONNX(try ModelGraphs.classification(model, imageSize: side), input: crop, shape: [2, 3, side, side])
            XCTAssertEqual(shape, [2, 7], name)
            assertClose(values, expected, "\(name) logits")
        }
    }

    func testAnImageSizeThatIsNotAStrideMultipleIsAClearError() throws {
        let model = try DetectionModel(definition: ModelDefinition(contentsOf: modelFile("yolov5-spd-n")), classes: 2)
        XCTAssertThrowsError(try ModelGraphs.detection(model, imageSize: 250)) { error in
            XCTAssertTrue("\(error)".contains("image size 250 must be a positive multiple of the model's stride 32"), "\(error)")
        }
    }
}
