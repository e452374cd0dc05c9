import Protobuf
import XCTest

/// The wire format against encodings worked out by hand from the protobuf encoding guide.
final class ProtobufWriterTests: XCTestCase {
    func testVarintsAcrossByteBoundaries() {
        var writer = ProtobufWriter()
        writer.varint(field: 1, 150)  // the guide's example: 08 96 01
        writer.varint(field: 2, 127)
        writer.varint(field: 3, 128)
        writer.varint(field: 16, 1)   // a two-byte key: (16 << 3) | 0 = 128
        XCTAssertEqual(writer.bytes, [0x08, 0x96, 0x01, 0x10, 0x7F, 0x18, 0x80, 0x01, 0x80, 0x01, 0x01])
    }

    func testNegativeIntegersAreTenByteTwosComplement() {
        var writer = ProtobufWriter()
        writer.int(field: 1, -1)
        XCTAssertEqual(writer.bytes, [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
    }

    func testFixedWidthAndLengthDelimitedFields() {
        var inner = ProtobufWriter()
        inner.string(field: 1, "testing")
        var writer = ProtobufWriter()
        writer.float(field: 1, 1.5)
        writer.double(field: 2, -2)
        writer.bytes(field: 3, [1, 2])
        writer.message(field: 4, inner)
        XCTAssertEqual(writer.bytes, [0x0D, 0x00, 0x00, 0xC0, 0x3F,
                                      0x11, 0, 0, 0, 0, 0, 0, 0x00, 0xC0,
                                      0x1A, 0x02, 0x01, 0x02,
                                      0x22, 0x09, 0x0A, 0x07] + Array("testing".utf8))
    }
}
