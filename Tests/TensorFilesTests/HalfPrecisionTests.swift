import XCTest
@testable import TensorFiles

final class HalfPrecisionTests: XCTestCase {
    func testKnownHalfConversions() {
        let cases: [(Float, UInt16)] = [
            (0, 0x0000), (-0.0, 0x8000), (1, 0x3C00), (-2, 0xC000), (65504, 0x7BFF), (65520, 0x7C00), (1e10, 0x7C00),
            (.infinity, 0x7C00), (-.infinity, 0xFC00), (0x1p-14, 0x0400), (0x1p-24, 0x0001), (0x1p-25, 0x0000),
            (0x1.8p-25, 0x0001), (0x1.ff8p-15, 0x03FF), (0x1.ffcp-15, 0x0400), (1 + 0x1p-11, 0x3C00), (1 + 0x3p-11, 0x3C02), (0.1, 0x2E66),
        ]
        for (value, bits) in cases {
            XCTAssertEqual(halfBits(from: value), bits, "\(value)")
        }
        XCTAssertTrue(float(fromHalfBits: halfBits(from: .nan)).isNaN)
    }

    func testEveryHalfValueRoundTripsThroughFloat() {
        for bits in UInt16.min...UInt16.max {
            let value = float(fromHalfBits: bits)
            if value.isNaN {
                XCTAssertEqual(bits & 0x7C00, 0x7C00)
                XCTAssertTrue(float(fromHalfBits: halfBits(from: value)).isNaN)
            } else {
                XCTAssertEqual(halfBits(from: value), bits)
            }
        }
        XCTAssertEqual(float(fromHalfBits: 0x0001), 0x1p-24)
        XCTAssertEqual(float(fromHalfBits: 0x3555), 0.333251953125)
    }

    #if !(os(macOS) && arch(x86_64))
    /// Float16 exists on this platform: our rounding must agree with it everywhere.
    func testHalfRoundingAgreesWithFloat16() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200_000 {
            let value = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
            guard !value.isNaN else { continue }
            XCTAssertEqual(halfBits(from: value), Float16(value).bitPattern, "\(value)")
        }
    }
    #endif

    func testBFloat16Conversions() {
        let cases: [(Float, UInt16)] = [
            (1, 0x3F80), (-2, 0xC000), (0.1, 0x3DCD), (65504, 0x4780), (.greatestFiniteMagnitude, 0x7F80),
            (Float(bitPattern: 0x3F80_8000), 0x3F80), (Float(bitPattern: 0x3F81_8000), 0x3F82), (Float(bitPattern: 0x3F80_8001), 0x3F81),
        ]
        for (value, bits) in cases {
            XCTAssertEqual(bfloat16Bits(from: value), bits, "\(value)")
        }
        XCTAssertEqual(float(fromBFloat16Bits: 0x3DCD), 0.10009765625)
        XCTAssertTrue(float(fromBFloat16Bits: bfloat16Bits(from: .nan)).isNaN)
        XCTAssertTrue(float(fromBFloat16Bits: bfloat16Bits(from: Float(bitPattern: 0x7F80_0001))).isNaN)
    }
}
