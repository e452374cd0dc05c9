import XCTest
@testable import TensorFiles

final class NPYTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var path: String!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        path = directory.file("a.npy")
    }

    override func tearDown() {
        directory = nil
    }

    func testFloatRoundTripsInEveryFloatingDType() throws {
        let values: [Float] = [0, -1.5, 0.1, 1000, 3, 4]
        let expected: [TensorDType: [Float]] = [
            .f32: values, .f64: values, .f16: [0, -1.5, 0.0999755859375, 1000, 3, 4],
        ]
        for (dtype, read) in expected {
            try NPYWriter.write(.floats(values), dtype: dtype, shape: [2, 3], to: path)
            let array = try NPYArray(contentsOf: path)
            XCTAssertEqual(array.dtype, dtype)
            XCTAssertEqual(array.shape, [2, 3])
            XCTAssertEqual(try array.floats(), read, dtype.rawValue)
        }
    }

    func testInt64AndUInt8RoundTrips() throws {
        try NPYWriter.write(.int64s([.min, -1, 0, .max]), dtype: .i64, shape: [4], to: path)
        XCTAssertEqual(try NPYArray(contentsOf: path).int64s(), [.min, -1, 0, .max])
        try NPYWriter.write(.bytes([0, 7, 255]), dtype: .u8, shape: [3, 1, 1], to: path)
        let bytes = try NPYArray(contentsOf: path)
        XCTAssertEqual(bytes.dtype, .u8)
        XCTAssertEqual(bytes.shape, [3, 1, 1])
        XCTAssertEqual(bytes.bytes, [0, 7, 255])
    }

    func testScalarAndEmptyShapes() throws {
        try NPYWriter.write(.floats([2.5]), dtype: .f32, shape: [], to: path)
        let scalar = try NPYArray(contentsOf: path)
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(try scalar.floats(), [2.5])
        try NPYWriter.write(.floats([]), dtype: .f32, shape: [0, 5], to: path)
        XCTAssertEqual(try NPYArray(contentsOf: path).shape, [0, 5])
    }

    func testHeaderIsExactlyWhatNumPyWrites() throws {
        try NPYWriter.write(.floats([1, 2, 3]), dtype: .f32, shape: [3], to: path)
        let bytes = try readFile(path)
        XCTAssertEqual(bytes.count, 128 + 12)
        XCTAssertEqual(Array(bytes.prefix(10)), [0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0])
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
        XCTAssertEqual(String(decoding: bytes[10..<128], as: UTF8.self),
                       header + String(repeating: " ", count: 117 - header.utf8.count) + "\n")
    }

    func testReadsVersion2AndUnusualButValidHeaders() throws {
        let header = Array(#"{"shape":(2L,3L,),"fortran_order":False,"descr":"<i8"}"#.utf8) + [0x0A]
        let data = (0..<6).flatMap { withUnsafeBytes(of: Int64($0).littleEndian, Array.init) }
        try writeFile(path, [0x93] + Array("NUMPY".utf8) + [2, 0] + withUnsafeBytes(of: UInt32(header.count).littleEndian, Array.init) + header + data)
        let array = try NPYArray(contentsOf: path)
        XCTAssertEqual(array.shape, [2, 3])
        XCTAssertEqual(try array.int64s(), [0, 1, 2, 3, 4, 5])
    }

    func testWriterRejectsBadInputBeforeWriting() throws {
        assertThrows(try NPYWriter.write(.floats([1, 2]), dtype: .f32, shape: [3], to: path),
                     containing: [path, "cannot write array: 8 bytes of data given but dtype F32 shape [3] needs 12 bytes"])
        assertThrows(try NPYWriter.write(.floats([1]), dtype: .bf16, shape: [1], to: path),
                     containing: [path, "dtype BF16 has no NumPy equivalent"])
        XCTAssertEqual(try directory.entries(), [])
    }

    // MARK: bad input

    private func npyBytes(version: UInt8 = 1, header: String, data: [UInt8]) -> [UInt8] {
        [0x93] + Array("NUMPY".utf8) + [version, 0] + withUnsafeBytes(of: UInt16(header.utf8.count).littleEndian, Array.init)
            + Array(header.utf8) + data
    }

    private func assertRejected(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) throws {
        try writeFile(path, bytes)
        assertThrows(try NPYArray(contentsOf: path), containing: [path] + fragments, line: line)
    }

    func testMissingFile() {
        assertThrows(try NPYArray(contentsOf: path), containing: [path, "open failed: No such file or directory"])
    }

    func testTruncatedFiles() throws {
        try assertRejected(Array(npyBytes(header: "{}", data: []).prefix(7)), ["file is 7 bytes, too short for a .npy header"])
        try assertRejected(Array(npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", data: []).prefix(40)),
                           ["header length 58 reaches past the end of the 40-byte file"])
        try assertRejected(npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", data: [0, 0, 0, 0]),
                           ["4 data bytes but dtype <f4 shape [2, 3] needs 24 bytes"])
    }

    func testNotNPYAndUnsupportedVersion() throws {
        try assertRejected(Array("PK\u{3}\u{4} a zip file".utf8), ["not a .npy file"])
        try assertRejected(npyBytes(version: 4, header: "{}", data: []), ["unsupported .npy format version 4.0"])
    }

    func testFortranOrderIsRejected() throws {
        try assertRejected(npyBytes(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }\n", data: [0, 0, 0, 0]),
                           ["Fortran order (fortran_order: True); only C order is supported"])
    }

    func testUnsupportedDTypes() throws {
        try assertRejected(npyBytes(header: "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", data: [0, 0, 0, 0]),
                           ["unsupported dtype '>f4' (supported: '<f8', '<f4'"])
        try assertRejected(npyBytes(header: "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", data: [0, 0, 0, 0]),
                           ["invalid .npy header: expected a string, True, False or a tuple at header byte 10"])
    }

    func testMalformedHeaders() throws {
        try assertRejected(npyBytes(header: "{'descr': '<f4', 'shape': (1,), }\n", data: [0, 0, 0, 0]),
                           ["invalid .npy header: keys are [\"descr\", \"shape\"], expected 'descr', 'fortran_order' and 'shape'"])
        try assertRejected(npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n", data: []),
                           ["invalid .npy header: expected a non-negative integer at header byte 51"])
        try assertRejected(npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk\n", data: [0, 0, 0, 0]),
                           ["invalid .npy header: unexpected text after the dictionary"])
        try assertRejected(npyBytes(header: "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }\n", data: [0, 0, 0, 0]),
                           ["invalid .npy header: expected a string, True, False or a tuple"])
    }

    func testAskingForTheWrongDType() throws {
        try NPYWriter.write(.int64s([1]), dtype: .i64, shape: [1], to: path)
        assertThrows(try NPYArray(contentsOf: path).floats(), containing: [path, "array has dtype <i8, expected <f4, <f8 or <f2"])
        try NPYWriter.write(.floats([1]), dtype: .f32, shape: [1], to: path)
        assertThrows(try NPYArray(contentsOf: path).int64s(), containing: [path, "array has dtype <f4, expected <i8"])
    }
}
