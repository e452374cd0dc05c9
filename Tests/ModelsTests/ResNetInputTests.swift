import Foundation
import Models
import Tensor
import XCTest

/// Clear errors for images a ResNet cannot take and for bad model files; either kind of model file loads.
final class ResNetInputTests: XCTestCase {
    func testSPDInputSizeMustBeMultipleOf16() throws {
        let model = try ClassificationModel(definition: .resnet18(spd: true, classes: 10))
        XCTAssertEqual(model.inputMultiple, 16)
        XCTAssertThrowsError(try model.forward(Tensor(TensorShape(n: 1, h: 28, w: 28, c: 3)), training: true)) { error in
            let message = "\(error)"
            for part in ["resnet18-spd", "28x28", "multiples of 16", "pad to 32x32", "resize to 16x16"] {
                XCTAssertTrue(message.contains(part), "'\(part)' not in: \(message)")
            }
        }
        XCTAssertThrowsError(try model.forward(Tensor(TensorShape(n: 1, h: 8, w: 40, c: 3)), training: false)) { error in
            XCTAssertTrue("\(error)".contains("8x40"), "\(error)")
            XCTAssertTrue("\(error)".contains("pad to 16x48"), "\(error)")
            XCTAssertFalse("\(error)".contains("resize"), "\(error)")
        }
        XCTAssertThrowsError(try model.forward(Tensor(TensorShape(n: 1, h: 32, w: 32, c: 1)), training: false)) { error in
            XCTAssertTrue("\(error)".contains("resnet18-spd"), "\(error)")
            XCTAssertTrue("\(error)".contains("RGB"), "\(error)")
        }
        let logits = try model.forward(Tensor(TensorShape(n: 3, h: 32, w: 48, c: 3)), training: false)
        XCTAssertEqual(logits.shape, TensorShape(n: 3, h: 1, w: 1, c: 10))
    }

    /// The baseline's strided convs take any size, as PyTorch's do.
    func testBaselineTakesAnySize() throws {
        let model = try ClassificationModel(definition: .resnet18(spd: false, classes: 10))
        XCTAssertEqual(try model.forward(Tensor(TensorShape(n: 2, h: 28, w: 28, c: 3)), training: false).shape,
                       TensorShape(n: 2, h: 1, w: 1, c: 10))
    }

    func testBadModelFilesNameFileAndField() throws {
        let cases: [(String, String)] = [
            ("family: resnet\nblock: wide\nlayers: [2, 2, 2, 2]\nspd: true\nclasses: 10", "'block' must be basic or bottleneck, got wide"),
            ("family: resnet\nblock: basic\nlayers: [2, 2, 2]\nspd: true\nclasses: 10", "'layers' must list 4 block counts from 1 to 1000"),
            ("family: resnet\nblock: basic\nlayers: [2, 2, 2, 2]\nspd: yes please\nclasses: 10", "'spd' must be true or false"),
            ("family: resnet\nblock: basic\nlayers: [2, 2, 2, 2]\nspd: true\nclasses: 0", "'classes' must be an integer from 1 to 1000000, got 0"),
            ("family: resnet\nblock: basic\nlayers: [2, 2, 2, 2]\nspd: true", "missing key 'classes'"),
            ("family: resnet\nblock: basic\nlayers: [2, 2, 2, 2]\nspd: true\nclasses: 10\nwidth: 2", "unknown key 'width'"),
            ("family: vgg\nblock: basic\nlayers: [2, 2, 2, 2]\nspd: true\nclasses: 10", "'family' must be resnet, got vgg"),
        ]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-resnet-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (yaml, expected) in cases {
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try AnyModelDefinition(contentsOf: path)) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(path): "), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "'\(expected)' not in: \(error)")
            }
        }
        XCTAssertThrowsError(try ResNetDefinition(contentsOf: path + ".absent")) { error in
            XCTAssertEqual("\(error)", "\(path).absent: no such file")
        }
    }

    func testAnyModelDefinitionLoadsBothKinds() throws {
        guard case let .classification(resnet) = try AnyModelDefinition(contentsOf: modelFile("resnet50-spd")) else {
            return XCTFail("resnet50-spd.yaml did not load as a ResNet")
        }
        XCTAssertEqual(resnet, .resnet50(spd: true, classes: 100).withFile(modelFile("resnet50-spd")))
        guard case let .detection(yolo) = try AnyModelDefinition(contentsOf: modelFile("yolov5-spd-n")) else {
            return XCTFail("yolov5-spd-n.yaml did not load as a YOLO model")
        }
        XCTAssertEqual(yolo.classes, 80)
        XCTAssertEqual(try AnyModelDefinition(contentsOf: modelFile("resnet18")).file, modelFile("resnet18"))
    }
}

private extension ResNetDefinition {
    func withFile(_ file: String) -> ResNetDefinition {
        var copy = self
        copy.file = file
        return copy
    }
}
