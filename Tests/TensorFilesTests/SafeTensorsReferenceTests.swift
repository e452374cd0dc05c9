import TestSupport
import XCTest
@testable import TensorFiles

/// Reads the reference YOLOv5-SPD-n state_dict written by PyTorch (Tests/Fixtures/reference, see Tests/Fixtures/README.md).
final class SafeTensorsReferenceTests: XCTestCase {
    private func openReference() throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: TestFixtures.path("reference/yolov5-spd-n/weights_seed0.safetensors"))
    }

    func testNamesShapesAndDTypes() throws {
        let file = try openReference()
        XCTAssertEqual(file.tensors.count, 349)
        XCTAssertEqual(file.names.first, "model.0.conv.conv.weight")
        XCTAssertTrue(file.contains("model.30.m.2.bias"))
        XCTAssertFalse(file.contains("model.31.m.0.bias"))
        XCTAssertEqual(file.names, file.namesInHeaderOrder)
        XCTAssertEqual(file.tensors.filter { $0.dtype == .f32 }.count, 292)
        XCTAssertEqual(file.tensors.filter { $0.dtype == .i64 }.count, 57)

        let firstConv = try file.info("model.0.conv.conv.weight")
        XCTAssertEqual(firstConv.dtype, .f32)
        XCTAssertEqual(firstConv.shape, [16, 12, 3, 3])
        XCTAssertEqual(firstConv.dataOffsets, 0..<6912)
        XCTAssertEqual(Array(try file.floats("model.0.conv.conv.weight").prefix(2)),
                       [Float(bitPattern: 0xBA3C_DA8B), Float(bitPattern: 0x3D53_6EC5)])

        let tracked = try file.info("model.0.conv.bn.num_batches_tracked")
        XCTAssertEqual(tracked.dtype, .i64)
        XCTAssertEqual(tracked.shape, [])
        XCTAssertEqual(try file.int64s("model.0.conv.bn.num_batches_tracked"), [1])

        let anchors = try file.info("model.30.anchors")
        XCTAssertEqual(anchors.dtype, .f32)
        XCTAssertEqual(anchors.shape, [3, 3, 2])
        XCTAssertEqual(try file.floats("model.30.anchors"),
                       [1.25, 1.625, 2, 3.75, 4.125, 2.875, 1.875, 3.8125, 3.875, 2.8125, 3.6875, 7.4375,
                        3.625, 2.8125, 4.875, 6.1875, 11.65625, 10.1875])
        XCTAssertEqual(file.metadata["format"], "pt")
    }

    func testEveryBatchNormRunningVarIsPointNine() throws {
        let file = try openReference()
        let runningVars = file.names.filter { $0.hasSuffix(".running_var") }
        XCTAssertEqual(runningVars.count, 57)
        for name in runningVars {
            XCTAssertEqual(Set(try file.floats(name)), [Float(0.9)], name)
        }
    }

    func testRewritingAllTensorsReadsBackIdentically() throws {
        let file = try openReference()
        let directory = try TemporaryDirectory()
        let copyPath = directory.file("copy.safetensors")
        let tensors = try file.tensors.map {
            NamedTensor(name: $0.name, dtype: $0.dtype, shape: $0.shape, bytes: try file.rawBytes($0.name))
        }
        try SafeTensorsWriter.write(tensors: tensors, metadata: file.metadata, to: copyPath)

        let copy = try SafeTensorsFile(contentsOf: copyPath)
        XCTAssertEqual(copy.names, file.names)
        XCTAssertEqual(copy.tensors, file.tensors)
        XCTAssertEqual(copy.metadata, file.metadata)
        for name in file.names {
            XCTAssertEqual(try copy.rawBytes(name), try file.rawBytes(name), name)
        }
    }
}
