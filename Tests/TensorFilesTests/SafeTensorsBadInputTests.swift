import XCTest
@testable import TensorFiles

/// Every malformed file is rejected with a message naming the file, the problem and the tensor.
final class SafeTensorsBadInputTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var path: String!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        path = directory.file("bad.safetensors")
    }

    override func tearDown() {
        directory = nil
    }

    /// Writes a file with `header` and `data` and asserts that opening it fails with `fragments`.
    private func assertRejected(header: String, data: [UInt8], _ fragments: [String], line: UInt = #line) throws {
        try writeFile(path, safetensorsBytes(header: header, data: data))
        assertThrows(try SafeTensorsFile(contentsOf: path), containing: [path] + fragments, line: line)
    }

    private func entry(_ name: String, _ dtype: String = "F32", shape: String = "[1]", offsets: String) -> String {
        #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
    }

    func testMissingFile() {
        assertThrows(try SafeTensorsFile(contentsOf: path), containing: [path, "open failed: No such file or directory"])
    }

    func testDirectoryInsteadOfFile() {
        assertThrows(try SafeTensorsFile(contentsOf: directory.path), containing: [directory.path, "not a regular file"])
    }

    func testFileShorterThanHeaderLength() throws {
        try writeFile(path, [1, 2, 3])
        assertThrows(try SafeTensorsFile(contentsOf: path), containing: [path, "file is 3 bytes, too short"])
    }

    func testHeaderLengthBeyondEndOfFile() throws {
        try writeFile(path, Array(safetensorsBytes(header: "{" + entry("a", offsets: "[0,4]") + "}", data: [0, 0, 0, 0]).prefix(30)))
        assertThrows(try SafeTensorsFile(contentsOf: path), containing: [path, "header length 54 reaches past the end of the 30-byte file"])
    }

    func testHugeHeaderLength() throws {
        try writeFile(path, withUnsafeBytes(of: UInt64(1) << 40, Array.init) + Array("{}".utf8))
        assertThrows(try SafeTensorsFile(contentsOf: path), containing: [path, "header length 1099511627776 exceeds the limit"])
    }

    func testTruncatedData() throws {
        try assertRejected(header: "{" + entry("a", offsets: "[0,4]") + "," + entry("b", offsets: "[4,8]") + "}", data: [0, 0, 0, 0, 0, 0],
                           ["tensor 'b': data_offsets [4, 8] lie outside the data buffer of 6 bytes"])
    }

    func testGarbageJSON() throws {
        try assertRejected(header: #"{"a": {"dtype": "F32",, }"#, data: [], ["header is not valid JSON", "expected a member name in quotes at header byte 22"])
        try assertRejected(header: "\u{0}\u{1}garbage", data: [], ["header is not valid JSON", "at header byte 0"])
        try writeFile(path, withUnsafeBytes(of: UInt64(2).littleEndian, Array.init) + [0xC3, 0x28])
        assertThrows(try SafeTensorsFile(contentsOf: path), containing: [path, "not valid UTF-8"])
    }

    func testHeaderThatIsNotAnObject() throws {
        try assertRejected(header: "[1, 2]", data: [], ["the header is not a JSON object"])
        try assertRejected(header: #"{"a": 5}"#, data: [], ["tensor 'a': entry is not a JSON object"])
        try assertRejected(header: #"{"a": {"dtype": "F32", "shape": [1]}}"#, data: [], ["tensor 'a': missing 'data_offsets'"])
        try assertRejected(header: "{" + entry("a", shape: "[-1]", offsets: "[0,4]") + "}", data: [0, 0, 0, 0],
                           ["tensor 'a': 'shape' is not a list of non-negative integers"])
        try assertRejected(header: "{" + entry("a", offsets: "[0,4,8]") + "}", data: [0, 0, 0, 0],
                           ["tensor 'a': 'data_offsets' is not a list of two non-negative integers"])
        try assertRejected(header: #"{"__metadata__": {"k": 1}}"#, data: [], ["__metadata__ must be an object of string values"])
    }

    func testUnknownDType() throws {
        try assertRejected(header: "{" + entry("a", "F31", offsets: "[0,4]") + "}", data: [0, 0, 0, 0],
                           ["tensor 'a': unknown dtype 'F31' (known: F64, F32"])
    }

    func testShapeAndSizeMismatch() throws {
        try assertRejected(header: "{" + entry("model.0.conv.conv.weight", shape: "[16,12,3,3]", offsets: "[0,100]") + "}",
                           data: Array(repeating: 0, count: 100),
                           ["tensor 'model.0.conv.conv.weight': data_offsets [0, 100] but dtype F32 shape [16, 12, 3, 3] needs 6912 bytes"])
        XCTAssertEqual(
            "\(SafeTensorsError.sizeMismatch(path: "weights.safetensors", tensor: "model.0.conv.conv.weight", begin: 0, end: 100, dtype: .f32, shape: [16, 12, 3, 3], needed: 6912))",
            "weights.safetensors: tensor 'model.0.conv.conv.weight': data_offsets [0, 100] but dtype F32 shape [16, 12, 3, 3] needs 6912 bytes")
    }

    func testOverlappingOffsets() throws {
        try assertRejected(header: "{" + entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("b", offsets: "[4,8]") + "}",
                           data: Array(repeating: 0, count: 8), ["tensor 'b' overlaps tensor 'a'"])
    }

    func testGapInBuffer() throws {
        try assertRejected(header: "{" + entry("a", offsets: "[0,4]") + "," + entry("b", offsets: "[6,10]") + "}",
                           data: Array(repeating: 0, count: 10), ["data buffer bytes [4, 6) belong to no tensor"])
        try assertRejected(header: "{" + entry("a", offsets: "[0,4]") + "}",
                           data: Array(repeating: 0, count: 7), ["data buffer bytes [4, 7) belong to no tensor"])
    }

    func testReversedOffsets() throws {
        try assertRejected(header: "{" + entry("a", shape: "[0]", offsets: "[4,0]") + "}", data: [0, 0, 0, 0],
                           ["tensor 'a': data_offsets [4, 0] end before they begin"])
    }

    func testDuplicateNames() throws {
        try assertRejected(header: "{" + entry("a", offsets: "[0,4]") + "," + entry("a", offsets: "[4,8]") + "}",
                           data: Array(repeating: 0, count: 8), ["tensor 'a' appears more than once"])
    }

    func testAskingForAMissingTensorOrTheWrongDType() throws {
        try SafeTensorsWriter.write(tensors: [NamedTensor(name: "n", shape: [], int64s: [1])], to: path)
        let file = try SafeTensorsFile(contentsOf: path)
        assertThrows(try file.info("m"), containing: [path, "no tensor named 'm'"])
        assertThrows(try file.floats("n"), containing: [path, "tensor 'n' has dtype I64, expected F32, F64, F16 or BF16"])
        try SafeTensorsWriter.write(tensors: [NamedTensor(name: "f", shape: [], floats: [1])], to: path)
        assertThrows(try SafeTensorsFile(contentsOf: path).int64s("f"), containing: [path, "tensor 'f' has dtype F32, expected I64"])
    }
}
