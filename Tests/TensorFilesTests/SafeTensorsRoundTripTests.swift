import XCTest
@testable import TensorFiles

final class SafeTensorsRoundTripTests: XCTestCase {
    func testRawBytesRoundTripForEveryDType() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("all.safetensors")
        let tensors = TensorDType.allCases.enumerated().map { index, dtype in
            let bytes = (0..<(dtype.byteSize * 6)).map { UInt8(truncatingIfNeeded: $0 * 37 + index) }
            return NamedTensor(name: "t.\(dtype.rawValue)", dtype: dtype, shape: [2, 3], bytes: bytes)
        }
        try SafeTensorsWriter.write(tensors: tensors, to: path)

        let file = try SafeTensorsFile(contentsOf: path)
        XCTAssertEqual(file.names, tensors.map(\.name))
        for tensor in tensors {
            let info = try file.info(tensor.name)
            XCTAssertEqual(info.dtype, tensor.dtype)
            XCTAssertEqual(info.shape, [2, 3])
            guard case .bytes(let bytes) = tensor.values else { return XCTFail("not bytes") }
            XCTAssertEqual(try file.rawBytes(tensor.name), bytes, tensor.name)
        }
    }

    func testFloatConversionsRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("floats.safetensors")
        let values: [Float] = [0, -0.0, 1, -2.5, 0.1, 65504, 1e-7, .infinity]
        try SafeTensorsWriter.write(tensors: [
            NamedTensor(name: "f32", shape: [8], floats: values),
            NamedTensor(name: "f64", shape: [2, 4], floats: values, dtype: .f64),
            NamedTensor(name: "f16", shape: [8], floats: values, dtype: .f16),
            NamedTensor(name: "bf16", shape: [8, 1], floats: values, dtype: .bf16),
            NamedTensor(name: "i64", shape: [3], int64s: [-1, 0, .max]),
        ], to: path)

        let file = try SafeTensorsFile(contentsOf: path)
        XCTAssertEqual(try file.floats("f32"), values)
        XCTAssertEqual(try file.floats("f64"), values)
        XCTAssertEqual(try file.floats("f16"), [0, -0.0, 1, -2.5, 0.0999755859375, 65504, 1.1920928955078125e-07, .infinity])
        XCTAssertEqual(try file.floats("bf16"), [0, -0.0, 1, -2.5, 0.10009765625, 65536, Float(bitPattern: 0x33D7_0000), .infinity])
        XCTAssertEqual(try file.int64s("i64"), [-1, 0, .max])
        XCTAssertEqual(try file.rawBytes("f16").prefix(6), [0x00, 0x00, 0x00, 0x80, 0x00, 0x3C])
        XCTAssertEqual(try file.rawBytes("i64").prefix(8), [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(try file.floats("f64").count, 8)
    }

    func testLargeFloatTensorSpanningSeveralWriteBlocks() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("large.safetensors")
        let values = (0..<600_000).map { Float($0) * 0.5 }
        try SafeTensorsWriter.write(tensors: [NamedTensor(name: "w", shape: [600, 1000], floats: values, dtype: .f64)], to: path)
        XCTAssertEqual(try SafeTensorsFile(contentsOf: path).floats("w"), values)
    }

    func testMetadataAndEmptyTensorsRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("meta.safetensors")
        let metadata = ["format": "pt", "quote\"and\\slash": "line\nbreak \u{1} ü"]
        try SafeTensorsWriter.write(tensors: [
            NamedTensor(name: "empty", shape: [0, 3], floats: []),
            NamedTensor(name: "scalar", shape: [], floats: [3.5]),
            NamedTensor(name: "naïve \"name\"", dtype: .bool, shape: [2], bytes: [1, 0]),
        ], metadata: metadata, to: path)

        let file = try SafeTensorsFile(contentsOf: path)
        XCTAssertEqual(file.metadata, metadata)
        XCTAssertEqual(file.names, ["empty", "scalar", "naïve \"name\""])
        XCTAssertEqual(try file.info("empty").dataOffsets, 0..<0)
        XCTAssertEqual(try file.floats("empty"), [])
        XCTAssertEqual(try file.floats("scalar"), [3.5])
        XCTAssertEqual(try file.rawBytes("naïve \"name\""), [1, 0])
    }

    func testHeaderIsPaddedWithSpacesToAMultipleOfEight() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("pad.safetensors")
        try SafeTensorsWriter.write(tensors: [NamedTensor(name: "a", shape: [1], floats: [1])], to: path)

        let bytes = try readFile(path)
        let json = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        XCTAssertEqual(json.utf8.count, 54)
        XCTAssertEqual(bytes, safetensorsBytes(header: json + "  ", data: [0, 0, 0x80, 0x3F]))
    }

    func testWritingTheSameInputTwiceGivesIdenticalFiles() throws {
        let directory = try TemporaryDirectory()
        let metadata = ["b": "2", "a": "1", "c": "3"]
        let tensors = [NamedTensor(name: "z", shape: [2], floats: [1, 2]), NamedTensor(name: "a", shape: [1], int64s: [7])]
        try SafeTensorsWriter.write(tensors: tensors, metadata: metadata, to: directory.file("one"))
        try SafeTensorsWriter.write(tensors: tensors, metadata: metadata, to: directory.file("two"))
        let bytes = try readFile(directory.file("one"))
        XCTAssertEqual(bytes, try readFile(directory.file("two")))
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains(#"{"__metadata__":{"a":"1","b":"2","c":"3"},"z":"#))
    }

    func testTensorsAreOrderedByDataOffsetsNotHeaderOrder() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("order.safetensors")
        let header = #"{"second":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"first":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        try writeFile(path, safetensorsBytes(header: header, data: [10, 20]))

        let file = try SafeTensorsFile(contentsOf: path)
        XCTAssertEqual(file.names, ["first", "second"])
        XCTAssertEqual(file.namesInHeaderOrder, ["second", "first"])
        XCTAssertEqual(try file.rawBytes("second"), [20])
        XCTAssertEqual(file.metadata, [:])
    }
}
