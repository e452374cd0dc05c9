import Foundation
import Imaging
import XCTest

/// Every bad input gives an `ImageError` naming the file and the problem.
final class DecodeErrorTests: XCTestCase {
    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = try ImagingFixtures.temporaryDirectory(for: self).appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testTruncatedJPEG() throws {
        let jpeg = try ImagingFixtures.gradientImage(width: 64, height: 64).jpegData()
        for length in [jpeg.count / 2, 40] {
            let path = try write(Array(jpeg.prefix(length)), "cut.jpg")
            ImagingFixtures.assertImageError("\(path): truncated JPEG: ", prefix: true) { _ = try Image(contentsOfFile: path) }
        }
    }

    func testCorruptJPEG() throws {
        var jpeg = try ImagingFixtures.gradientImage(width: 64, height: 64).jpegData()
        // Overwrite the frame header's marker so no SOF is found, keeping the end-of-image marker.
        for i in 2..<min(jpeg.count - 2, 400) where jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0 { jpeg[i + 1] = 0xFE }
        let path = try write(jpeg, "bad.jpg")
        ImagingFixtures.assertImageError("\(path): corrupt JPEG: ", prefix: true) { _ = try Image(contentsOfFile: path) }
    }

    func testTruncatedPNG() throws {
        let png = try ImagingFixtures.gradientImage(width: 64, height: 64).pngData()
        for length in [png.count / 2, 20] {
            let path = try write(Array(png.prefix(length)), "cut.png")
            ImagingFixtures.assertImageError("\(path): truncated PNG: ", prefix: true) { _ = try Image(contentsOfFile: path) }
        }
    }

    func testTruncatedPPM() throws {
        let ppm = ImagingFixtures.gradientImage(width: 4, height: 4).pnmData()
        let path = try write(Array(ppm.dropLast(5)), "cut.ppm")
        ImagingFixtures.assertImageError("\(path): truncated PPM: 43 of 48 pixel bytes") { _ = try Image(contentsOfFile: path) }
        let header = try write(Array("P5 4".utf8), "header.pgm")
        ImagingFixtures.assertImageError("\(header): truncated PGM: header is not 'P5 width height maxval'") {
            _ = try Image(contentsOfFile: header)
        }
    }

    func testTextFile() throws {
        let path = try write(Array("just some text\n".utf8), "notes.txt")
        ImagingFixtures.assertImageError("\(path): not a JPEG, PNG, PPM or PGM file") { _ = try Image(contentsOfFile: path) }
    }

    func testEmptyFile() throws {
        let path = try write([], "empty.jpg")
        ImagingFixtures.assertImageError("\(path): empty file") { _ = try Image(contentsOfFile: path) }
    }

    func testMissingFile() {
        ImagingFixtures.assertImageError("/nonexistent/img.jpg: cannot read: open failed: No such file or directory") {
            _ = try Image(contentsOfFile: "/nonexistent/img.jpg")
        }
    }

    func testDirectory() throws {
        let directory = try ImagingFixtures.temporaryDirectory(for: self).path
        ImagingFixtures.assertImageError("\(directory): cannot read: not a regular file") { _ = try Image(contentsOfFile: directory) }
    }

    func testBytesReportTheirName() {
        ImagingFixtures.assertImageError("train-000003.tar.zst/0042.png: not a JPEG, PNG, PPM or PGM file") {
            _ = try Image(decoding: [1, 2, 3], name: "train-000003.tar.zst/0042.png")
        }
    }

    func testAbsurdSizeIsRejected() {
        ImagingFixtures.assertImageError("huge.pgm: 100000x100000 image is larger than 268435456 pixels") {
            _ = try Image(decoding: Array("P5 100000 100000 255\n".utf8), name: "huge.pgm")
        }
    }
}
