import Datasets
import Foundation
import Imaging
import Shards
import XCTest

final class FashionDatasetsTests: XCTestCase {
    func testLowResVariants() throws {
        let source = try fashionMNISTDirectory()
        let root = try makeTemporaryDirectory(self)
        let large = try FashionLowRes.build(size: 32, train: 20, val: 5, from: source, out: root + "/32", options: testOptions(shardSize: 8))
        let small = try FashionLowRes.build(size: 16, train: 20, val: 5, from: source, out: root + "/16", options: testOptions())
        XCTAssertEqual(large.name, "fashion-lowres-32")
        XCTAssertEqual(small.name, "fashion-lowres-16")
        XCTAssertEqual(large.imageSize, .fixed(width: 32, height: 32))
        XCTAssertEqual(small.imageSize, .fixed(width: 16, height: 16))
        XCTAssertEqual(large.splits["train"]?.map(\.samples), [8, 8, 4])
        XCTAssertEqual(large.classes, IDXConverter.fashionClasses)

        let padded = try Image(decoding: XCTUnwrap(readSamples(root + "/32", split: "train")[0]["pgm"]), name: "32", as: .grey)
        let reduced = try Image(decoding: XCTUnwrap(readSamples(root + "/16", split: "train")[0]["pgm"]), name: "16", as: .grey)
        XCTAssertEqual(padded.pixels[0 ..< 64].max(), 0, "two zero rows on top")
        XCTAssertEqual(padded.areaDownsampled(by: 2), reduced, "the 16x16 variant is the padded 32x32 averaged 2x2")
        XCTAssertEqual(try readSamples(root + "/16", split: "val").count, 5)
        // The first training item of Fashion-MNIST is an ankle boot (class 9).
        XCTAssertEqual(try classIndex(readSamples(root + "/32", split: "train")[0]), 9)
    }

    func testDetectIsDeterministicSmallObjects() throws {
        let source = try fashionMNISTDirectory()
        let root = try makeTemporaryDirectory(self)
        let first = try FashionDetect.build(train: 20, val: 5, from: source, out: root + "/a", options: testOptions(seed: 3))
        let second = try FashionDetect.build(train: 20, val: 5, from: source, out: root + "/b", options: testOptions(seed: 3))
        let other = try FashionDetect.build(train: 20, val: 5, from: source, out: root + "/c", options: testOptions(seed: 4))
        XCTAssertEqual(first.splits, second.splits, "same seed: identical shards (sha256)")
        XCTAssertNotEqual(first.splits["train"]?.first?.sha256, other.splits["train"]?.first?.sha256)
        XCTAssertEqual(first.imageSize, .fixed(width: 256, height: 256))
        XCTAssertEqual(first.splits["val"]?.first?.samples, 5)

        let inspection = try DatasetInspection(directory: root + "/a")
        XCTAssertGreaterThanOrEqual(inspection.boxSizes.total, 20 * 3)
        XCTAssertGreaterThan(Double(inspection.boxSizes.small), 0.9 * Double(inspection.boxSizes.total), "mostly COCO-small boxes")
        XCTAssertEqual(inspection.boxSizes.large, 0)
        for sample in try readSamples(root + "/a", split: "train") {
            let label = try detectionLabel(sample)
            XCTAssertLessThanOrEqual(label.boxes.count, 8, "at most 8 objects (fewer when no free place is found)")
            for box in label.boxes {
                XCTAssertTrue(box[2] <= 32 && box[3] <= 32 && box[0] >= 0 && box[1] >= 0 && box[0] + box[2] <= 256 && box[1] + box[3] <= 256, "\(box)")
            }
        }
        XCTAssertTrue(try DatasetVerifier(directory: root + "/a").problems.isEmpty)
    }
}
