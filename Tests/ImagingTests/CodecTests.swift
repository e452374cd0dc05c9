import Foundation
import Imaging
import XCTest

/// Encoding, decoding and file writing through the public API.
final class CodecTests: XCTestCase {
    func testPNGRoundTripIsExact() throws {
        for format in PixelFormat.allCases {
            let image = ImagingFixtures.gradientImage(width: 37, height: 23, format: format)
            let decoded = try Image(decoding: image.pngData(), name: "round-trip.png", as: format)
            XCTAssertEqual(decoded, image)
        }
    }

    func testPNMRoundTripIsExact() throws {
        for format in PixelFormat.allCases {
            let image = ImagingFixtures.gradientImage(width: 19, height: 11, format: format)
            XCTAssertEqual(try Image(decoding: image.pnmData(), name: "round-trip.pnm", as: format), image)
        }
    }

    func testJPEGRoundTripIsClose() throws {
        for format in PixelFormat.allCases {
            let image = ImagingFixtures.gradientImage(width: 64, height: 48, format: format)
            let decoded = try Image(decoding: image.jpegData(quality: 95), name: "round-trip.jpg", as: format)
            XCTAssertEqual([decoded.width, decoded.height], [64, 48])
            let differences = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }
            // Hard checkerboard edges and 4:2:0 chroma cost a little more than a photo would.
            XCTAssertLessThan(Double(differences.reduce(0, +)) / Double(differences.count), 3.0, "\(format)")
            XCTAssertLessThanOrEqual(differences.max()!, 40, "\(format)")
        }
        let image = ImagingFixtures.gradientImage(width: 64, height: 48)
        XCTAssertLessThan(try image.jpegData(quality: 30).count, try image.jpegData(quality: 95).count)
    }

    func testJPEGQualityOutOfRangeIsAnError() {
        ImagingFixtures.assertImageError("<memory>: cannot encode JPEG: quality 0 is not in 1...100") {
            _ = try ImagingFixtures.gradientImage(width: 8, height: 8).jpegData(quality: 0)
        }
    }

    func testPNMHeaderCommentsAndSixteenBitSamples() throws {
        let comment = Array("P5\n# a comment\n2 1\n255\n".utf8) + [7, 200]
        XCTAssertEqual(try Image(decoding: comment, name: "c.pgm", as: .grey).pixels, [7, 200])
        let sixteenBit = Array("P5 2 1 65535\n".utf8) + [0xFF, 0xFF, 0x80, 0x00]
        XCTAssertEqual(try Image(decoding: sixteenBit, name: "w.pgm", as: .grey).pixels, [255, 128])
        let rgb = try Image(decoding: Array("P6 1 1 15\n".utf8) + [15, 0, 5], name: "m.ppm")
        XCTAssertEqual(rgb.pixels, [255, 0, 85])
    }

    /// Palette, grey + alpha, RGBA and 16-bit PNGs all decode to 8-bit RGB; alpha is dropped.
    func testPNGColourTypesConvertToRGB8() throws {
        let palette = PNGWriter.png(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[1, 0]],
                                    palette: [10, 20, 30, 200, 100, 50])
        XCTAssertEqual(try Image(decoding: palette, name: "palette.png").pixels, [200, 100, 50, 10, 20, 30])
        let greyAlpha = PNGWriter.png(width: 2, height: 1, bitDepth: 8, colorType: 4, rows: [[90, 255, 60, 0]])
        XCTAssertEqual(try Image(decoding: greyAlpha, name: "ga.png").pixels, [90, 90, 90, 60, 60, 60])
        let rgba = PNGWriter.png(width: 1, height: 2, bitDepth: 8, colorType: 6, rows: [[1, 2, 3, 255], [4, 5, 6, 128]])
        XCTAssertEqual(try Image(decoding: rgba, name: "rgba.png").pixels, [1, 2, 3, 4, 5, 6])
        let sixteen = PNGWriter.png(width: 1, height: 1, bitDepth: 16, colorType: 2, rows: [[0xFF, 0xFF, 0x80, 0x00, 0, 0]])
        XCTAssertEqual(try Image(decoding: sixteen, name: "16.png").pixels, [255, 128, 0])
        let grey = PNGWriter.png(width: 3, height: 1, bitDepth: 8, colorType: 0, rows: [[0, 128, 255]])
        XCTAssertEqual(try Image(decoding: grey, name: "g.png").pixels, [0, 0, 0, 128, 128, 128, 255, 255, 255])
    }

    func testWriteChoosesFormatByExtensionAndReplacesAtomically() throws {
        let directory = try ImagingFixtures.temporaryDirectory(for: self)
        let image = ImagingFixtures.gradientImage(width: 16, height: 12)
        for name in ["a.png", "b.PPM", "c.jpg", "d.jpeg", "e.pgm"] {
            let path = directory.appendingPathComponent(name).path
            try image.write(toFile: path)
            let decoded = try Image(contentsOfFile: path)
            XCTAssertEqual([decoded.width, decoded.height], [16, 12], name)
            if name == "a.png" || name == "b.PPM" { XCTAssertEqual(decoded, image, name) }
        }
        let path = directory.appendingPathComponent("a.png").path
        try ImagingFixtures.gradientImage(width: 5, height: 4).write(toFile: path)
        XCTAssertEqual(try Image(contentsOfFile: path).width, 5)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
                       ["a.png", "b.PPM", "c.jpg", "d.jpeg", "e.pgm"])
    }

    func testWriteErrorsNameTheFile() throws {
        let directory = try ImagingFixtures.temporaryDirectory(for: self)
        let image = ImagingFixtures.gradientImage(width: 4, height: 4)
        let bmp = directory.appendingPathComponent("x.bmp").path
        ImagingFixtures.assertImageError("\(bmp): unknown image extension (use .jpg, .jpeg, .png, .ppm or .pgm)") {
            try image.write(toFile: bmp)
        }
        let missing = directory.appendingPathComponent("no/such/dir/x.png").path
        ImagingFixtures.assertImageError("\(missing): cannot write: open failed: No such file or directory") {
            try image.write(toFile: missing)
        }
    }
}
