@testable import Datasets
import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Converter input a careless or hostile user might give: each is refused with the file and the problem, without a
/// trap, a hang or anything left in the output directory.
final class HostileConverterInputTests: XCTestCase {
    private func idx(_ dimensions: [Int], _ values: [UInt8] = []) -> [UInt8] {
        [0, 0, 8, UInt8(dimensions.count)] + dimensions.flatMap { d in (0 ..< 4).map { UInt8(truncatingIfNeeded: d >> (24 - 8 * $0)) } } + values
    }

    /// Dimensions whose product overflows trapped on arithmetic overflow.
    func testIDXDimensionsThatOverflow() throws {
        let root = try makeTemporaryDirectory(self)
        try writeFile(root + "/train-images-idx3-ubyte", idx([0x7FFF_FFFF, 0x7FFF_FFFF, 4], [1, 2, 3]))
        try writeFile(root + "/train-labels-idx1-ubyte", idx([1], [1]))
        XCTAssertThrowsError(try IDXConverter.convert(from: root, out: root + "/out", options: testOptions())) {
            XCTAssertEqual("\($0)", "\(root)/train-images-idx3-ubyte: IDX dimensions [2147483647, 2147483647, 4] overflow: no file holds that many values")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/out"))
    }

    /// A FIFO where a file is expected is refused at once instead of blocking the converter.
    func testFIFOInputIsRefusedWithoutBlocking() throws {
        let root = try makeTemporaryDirectory(self)
        XCTAssertEqual(mkfifo(root + "/train-images-idx3-ubyte", 0o644), 0)
        try writeFile(root + "/train-labels-idx1-ubyte", idx([1], [1]))
        XCTAssertThrowsError(try IDXConverter.convert(from: root, out: root + "/out", options: testOptions())) {
            XCTAssertEqual("\($0)", "\(root)/train-images-idx3-ubyte: not a regular file")
        }
    }

    /// A COCO file_name leaving the image directory is refused before any image is read; a file with no
    /// convertible image writes nothing.
    func testCOCOFileNamesStayInsideTheImageDirectory() throws {
        let root = try makeTemporaryDirectory(self)
        for (name, fileName) in [("up", "../../etc/passwd"), ("absolute", "/etc/passwd"), ("inner", "a/../../b.jpg")] {
            let json = root + "/\(name).json"
            try writeFile(json, Array(#"{"images": [{"id": 7, "file_name": "\#(fileName)", "width": 10, "height": 10}], "annotations": [], "categories": [{"id": 1, "name": "x"}]}"#.utf8))
            XCTAssertThrowsError(try COCOConverter.convert(annotations: json, out: root + "/out", options: testOptions())) {
                XCTAssertEqual("\($0)", "\(json): image 7: file_name '\(fileName)' is not a path inside the image directory")
            }
        }
        // A lone UTF-16 surrogate escape in a name (it trapped before) and an image that does not exist.
        let json = root + "/surrogate.json"
        try writeFile(json, Array(#"{"images": [{"id": 1, "file_name": "a\ud800.jpg", "width": 10, "height": 10}], "annotations": [], "categories": [{"id": 1, "name": "x\udc00"}]}"#.utf8))
        XCTAssertThrowsError(try COCOConverter.convert(annotations: json, out: root + "/out", options: testOptions())) {
            XCTAssertEqual("\($0)", "\(root)/out: no sample could be converted, so nothing was written")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/out"))

        // A high surrogate followed by an escape that is not a low surrogate overflowed the pair arithmetic (found by
        // cluster/fuzz after 1.1M executions; Tests/Fuzz/regressions/coco/high-surrogate-pair.json). Now the high one
        // stands alone (U+FFFD) and the next escape is read on its own.
        let pair = root + "/pair.json"
        try writeFile(pair, Array(#"{"images": [{"id": 1, "file_name": "a\udaaa\udaaa\ud83d\ude00.jpg", "width": 10, "height": 10}], "annotations": [], "categories": [{"id": 1, "name": "x"}]}"#.utf8))
        let coco = try COCOFile(contentsOf: pair)
        XCTAssertEqual(coco.images.first?.fileName, "a\u{FFFD}\u{FFFD}\u{1F600}.jpg")
        let finding = TestFixtures.repositoryRoot.appendingPathComponent("Tests/Fuzz/regressions/coco/high-surrogate-pair.json").path
        XCTAssertThrowsError(try COCOFile(contentsOf: finding)) { error in
            XCTAssertTrue("\(error)".hasPrefix(finding), "\(error)")
        }
    }

    /// A gzip bomb stops at the decompression limit instead of growing memory without bound.
    func testGzipOutputIsBounded() throws {
        let root = try makeTemporaryDirectory(self)
        try writeFile(root + "/zeros", [UInt8](repeating: 0, count: 100_000))
        let compressed = [UInt8](try TestTools.runChecked(URL(fileURLWithPath: "/bin/gzip"), ["-c", root + "/zeros"]).output)
        XCTAssertLessThan(compressed.count, 1000)
        XCTAssertEqual(try Gzip.decompress(compressed, file: "z.gz").count, 100_000)
        XCTAssertThrowsError(try Gzip.decompress(compressed, file: "z.gz", limit: 65_536)) {
            XCTAssertEqual("\($0)", "z.gz: decompresses to more than 65536 bytes")
        }
    }
}
