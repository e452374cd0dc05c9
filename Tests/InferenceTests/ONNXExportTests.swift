import Foundation
import Inference
import Models
import Support
import Tensor
import TestSupport
import XCTest

/// `spd export RUN --format onnx` on a real (tiny) run directory: what it picks (EMA weights of the newest valid
/// checkpoint, the run's model.yaml and training image size), what onnxruntime makes of the file, and bad requests.
final class ONNXExportTests: XCTestCase {
    private var directory: String!
    private var scratch: String!

    override func setUpWithError() throws {
        directory = try SyntheticRun.directory()
        scratch = try Fixtures.temporaryDirectory()
    }

    override func tearDownWithError() throws { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }

    override class func tearDown() { SyntheticRun.remove() }

    func testTheRunsEMAWeightsModelAndImageSizeRunInOnnxruntime() throws {
        try TestTools.requirePython(["onnxruntime", "numpy"])
        let run = "\(directory!)/run", destination = "\(scratch!)/model.onnx"
        let exported = try ONNXExport.export(runDirectory: run, weights: .emaWhenPresent, to: destination, producerVersion: "test")
        XCTAssertTrue(exported.weights.isEMA)
        XCTAssertEqual(exported.weights.checkpoint, "step-000000004")
        XCTAssertEqual(exported.modelFile, "\(run)/model.yaml")
        XCTAssertEqual(exported.imageSize, 64, "the run trained at imgsz 64")
        XCTAssertEqual(exported.inputDescription, "images [batch, 3, 64, 64]")
        // tiny-spd (Focus, C3, SPPF, space_to_depth, Upsample, Concat): 3 anchors on 16x16 and 8x8 grids (strides 4
        // and 8 at 64 px), 2 classes.
        XCTAssertEqual(exported.outputDescription, "output [batch, \(3 * (256 + 64)), 7]")

        // The same input through onnxruntime and through the detector spd detect uses (the run's EMA weights).
        var random = SeededGenerator(seed: 9)
        let nchw = (0..<3 * 64 * 64).map { _ in random.uniform(0, 1) }
        var nhwc = [Float](repeating: 0, count: nchw.count)
        for c in 0..<3 { for p in 0..<64 * 64 { nhwc[p * 3 + c] = nchw[c * 64 * 64 + p] } }
        let detector = try Detector(modelFile: exported.modelFile, weightsFile: exported.weights.source, imageSize: 64)
        _ = try detector.model.forward(Tensor(TensorShape(n: 1, h: 64, w: 64, c: 3), values: nhwc), training: false)
        var decoded = [Float](repeating: 0, count: detector.model.detect.predictionsPerImage * 7)
        decoded.withUnsafeMutableBufferPointer { detector.model.detect.decode(into: $0.baseAddress!) }

        let inputFile = "\(scratch!)/input.f32", outputFile = "\(scratch!)/output.f32"
        try nchw.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: inputFile)) }
        let script = """
        import sys, numpy as np, onnxruntime as ort
        session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
        metadata = session.get_modelmeta().custom_metadata_map
        assert metadata == {"checkpoint": "step-000000004", "weights": "ema", "imgsz": "64"}, metadata
        (output,) = session.run(None, {"images": np.fromfile(sys.argv[2], dtype=np.float32).reshape(1, 3, 64, 64)})
        output.astype(np.float32).tofile(sys.argv[3])
        """
        _ = try TestTools.runChecked(TestTools.python, ["-c", script, destination, inputFile, outputFile])
        let values = try Data(contentsOf: URL(fileURLWithPath: outputFile)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(values.count, decoded.count)
        let worst = zip(values, decoded).map { abs($0 - $1) - 1e-4 * abs($1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 1e-4)
    }

    func testBadRequestsAreClearErrorsAndWriteNothing() throws {
        let run = "\(scratch!)/run", destination = "\(scratch!)/model.onnx"
        try FileManager.default.copyItem(atPath: "\(directory!)/run", toPath: run)
        assertThrows({ try ONNXExport.export(runDirectory: run, weights: .raw, imageSize: 60, to: destination, producerVersion: "test") },
                     containing: ["\(run)/model.yaml", "image size 60 must be a positive multiple of the model's stride 8"])
        assertThrows({ try ONNXExport.export(runDirectory: run, weights: .raw, modelFile: Fixtures.modelFile("resnet18"), to: destination, producerVersion: "test") },
                     containing: ["fc.weight"])
        try FileManager.default.removeItem(atPath: "\(run)/model.yaml")
        assertThrows({ try ONNXExport.export(runDirectory: run, weights: .raw, to: destination, producerVersion: "test") },
                     containing: [run, "no model.yaml here", "--cfg"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination))

        let link = "\(scratch!)/link.onnx"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "\(scratch!)/elsewhere")
        assertThrows({ try ONNXExport.export(runDirectory: run, weights: .raw, modelFile: Fixtures.modelFile("tiny-spd"), to: link, producerVersion: "test") },
                     containing: [link, "exists and is not a regular file"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(scratch!)/elsewhere"))
    }
}
