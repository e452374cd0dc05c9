import Foundation
import Imaging
import TestSupport
import XCTest

/// Decodes the real photos in Tests/Fixtures and checks them against their COCO annotations.
final class FixtureDecodeTests: XCTestCase {
    private struct COCOImage: Decodable {
        let file_name: String
        let width: Int
        let height: Int
    }

    private struct COCOFile: Decodable {
        let images: [COCOImage]
    }

    /// (path of the image, COCO width, COCO height) for every fixture image.
    private func fixtureImages() throws -> [(path: String, width: Int, height: Int)] {
        let fixtures = try ImagingFixtures.fixturesDirectory()
        var images: [(String, Int, Int)] = []
        for (directory, annotations) in [("coco-labelme-voc", "annotations.json"), ("coco-sahi-terrain", "terrain2_coco.json")] {
            let folder = fixtures.appendingPathComponent(directory)
            let coco = try JSONDecoder().decode(COCOFile.self, from: Data(contentsOf: folder.appendingPathComponent(annotations)))
            images += coco.images.map { (folder.appendingPathComponent($0.file_name).path, $0.width, $0.height) }
        }
        return images
    }

    func testFixtureSizesMatchCOCOAnnotations() throws {
        let images = try fixtureImages()
        XCTAssertEqual(images.count, 4)
        for (path, width, height) in images {
            let image = try Image(contentsOfFile: path)
            XCTAssertEqual([image.width, image.height], [width, height], path)
            XCTAssertEqual(image.format, .rgb)
            XCTAssertEqual(image.pixels.count, width * height * 3)
            // A real photo: neither blank nor a single colour.
            XCTAssertGreaterThan(Set(image.pixels).count, 100, path)
        }
    }

    func testGreyDecodeIsLumaOfColourDecode() throws {
        for (path, _, _) in try fixtureImages() {
            let colour = try Image(contentsOfFile: path)
            let grey = try Image(contentsOfFile: path, as: .grey)
            XCTAssertEqual(grey.format, .grey)
            XCTAssertEqual([grey.width, grey.height], [colour.width, colour.height])
            // Libjpeg takes Y straight from the file and libpng converts in linear light: close, not identical.
            let expected = colour.converted(to: .grey).pixels
            let meanDifference = zip(grey.pixels, expected).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) } / expected.count
            XCTAssertLessThanOrEqual(meanDifference, 4, path)
        }
    }

    /// Decoding agrees with PIL (libjpeg-turbo too, default settings) from the test environment .build/pyenv.
    func testDecodingMatchesPIL() throws {
        try TestTools.requirePython(["PIL"])
        for (path, _, _) in try fixtureImages() {
            let image = try Image(contentsOfFile: path)
            let script = "import sys; from PIL import Image; sys.stdout.buffer.write(Image.open(sys.argv[1]).convert('RGB').tobytes())"
            let reference = try Self.run(TestTools.python.path, ["-c", script, path])
            XCTAssertEqual(reference.count, image.pixels.count, path)
            let maxDifference = zip(reference, image.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(maxDifference, 1, path)
        }
    }

    /// Reports decode throughput for the first fixture JPEG; asserts only a loose floor.
    func testJPEGDecodeSpeed() throws {
        let path = try fixtureImages()[0].path
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let iterations = 200
        let start = Date()
        for _ in 0..<iterations { _ = try Image(decoding: bytes, name: path) }
        let seconds = Date().timeIntervalSince(start)
        print("JPEG decode \((path as NSString).lastPathComponent) from memory: \(Int(Double(iterations) / seconds)) images/s")
        XCTAssertGreaterThan(Double(iterations) / seconds, 20)
    }

    /// Standard output of a command; throws when it fails.
    static func run(_ executable: String, _ arguments: [String]) throws -> [UInt8] {
        Array(try TestTools.runChecked(URL(fileURLWithPath: executable), arguments).output)
    }
}
