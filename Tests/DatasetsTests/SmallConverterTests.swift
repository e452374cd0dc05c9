import Datasets
import Foundation
import Imaging
import Shards
import TestSupport
import XCTest

/// YOLO, CIFAR-10, IDX and folder converters on small files in their exact on-disk formats.
final class SmallConverterTests: XCTestCase {
    func testYOLOFromDataYAML() throws {
        let root = try makeTemporaryDirectory(self)
        try writeFile(root + "/ds/images/train/a.png", encodedImage(width: 100, height: 50))
        try writeFile(root + "/ds/images/train/b.jpg", encodedImage(width: 64, height: 64, jpeg: true))
        try writeFile(root + "/ds/images/val/c.png", encodedImage(width: 10, height: 10))
        try writeText(root + "/ds/labels/train/a.txt", "0 0.5 0.5 0.2 0.4\n1 0.95 0.5 0.2 0.2\n7 0.5 0.5 0.1 0.1\n")
        try writeText(root + "/ds/labels/train/b.txt", "1 0.25 0.25 0.5 0.25 0.5 0.75\n")
        try writeText(root + "/data.yaml", "path: ds\ntrain: images/train\nval: images/val\nnames:\n  0: cat\n  1: dog\n")
        let out = root + "/out"
        let report = try YOLOConverter.convert(from: root + "/data.yaml", out: out, options: testOptions())
        XCTAssertEqual(report.samplesWritten, 3)
        XCTAssertEqual(report.unknownClassBoxes, 1)
        XCTAssertEqual(report.clippedBoxes, 1)
        XCTAssertEqual(report.imagesWithoutLabels, 1)
        XCTAssertEqual(try Dataset(directory: out).manifest.classes, ["cat", "dog"])
        let train = try readSamples(out, split: "train")
        let a = try detectionLabel(train[0])
        XCTAssertEqual(a.width, 100)
        XCTAssertEqual(a.height, 50)
        XCTAssertEqual(a.boxes.count, 2)
        XCTAssertEqual(a.boxes[0], [40, 15, 20, 20, 0])
        XCTAssertEqual(a.boxes[1][0], 85, accuracy: 1e-9)
        XCTAssertEqual(a.boxes[1][2], 15, accuracy: 1e-9, "clipped at the right edge")
        let b = try detectionLabel(train[1])
        XCTAssertEqual(b.boxes, [[16, 16, 16, 32, 1]], "a polygon becomes its bounding box")
        XCTAssertNotNil(train[1]["jpg"])
        XCTAssertEqual(try detectionLabel(readSamples(out, split: "val")[0]).boxes, [])
    }

    func testYOLODirectoryNeedsNames() throws {
        let root = try makeTemporaryDirectory(self)
        try writeFile(root + "/images/x.png", encodedImage(width: 8, height: 8))
        try writeText(root + "/labels/x.txt", "0 0.5 0.5 1 1\nbad line\n")
        XCTAssertThrowsError(try YOLOConverter.convert(from: root, out: root + "/out", options: testOptions())) {
            XCTAssertEqual("\($0)", "--names: needed when --from is a directory (or give a data yaml)")
        }
        XCTAssertThrowsError(try YOLOConverter.convert(from: root, names: ["a"], out: root + "/out", options: testOptions())) {
            XCTAssertEqual("\($0)", "\(root)/labels/x.txt: line 2: expected 'class cx cy w h' (or 'class x1 y1 x2 y2 ...')")
        }
    }

    func testCIFAR10Batches() throws {
        let root = try makeTemporaryDirectory(self)
        func record(label: UInt8, seed: Int) -> [UInt8] { [label] + (0 ..< 3072).map { UInt8(truncatingIfNeeded: $0 * 3 + seed) } }
        for batch in 1 ... 5 { try writeFile(root + "/data_batch_\(batch).bin", record(label: UInt8(batch), seed: batch) + record(label: 0, seed: 0)) }
        try writeFile(root + "/test_batch.bin", record(label: 9, seed: 9))
        let manifest = try CIFAR10Converter.convert(from: root, out: root + "/out", options: testOptions())
        XCTAssertEqual(manifest.classes, CIFAR10Converter.defaultClasses)
        XCTAssertEqual(manifest.imageSize, .fixed(width: 32, height: 32))
        let train = try readSamples(root + "/out", split: "train")
        XCTAssertEqual(train.count, 10)
        XCTAssertEqual(try train.map(classIndex), [1, 0, 2, 0, 3, 0, 4, 0, 5, 0])
        let image = try Image(decoding: XCTUnwrap(train[0]["ppm"]), name: "ppm")
        // Pixel (x=1, y=0): R from the first plane, G from the second, B from the third.
        XCTAssertEqual(Array(image.pixels[3 ..< 6]), [UInt8(truncatingIfNeeded: 1 * 3 + 1), UInt8(truncatingIfNeeded: 1025 * 3 + 1), UInt8(truncatingIfNeeded: 2049 * 3 + 1)])
        XCTAssertEqual(try classIndex(readSamples(root + "/out", split: "val")[0]), 9)

        try writeFile(root + "/bad/test_batch.bin", [1, 2, 3])
        XCTAssertThrowsError(try CIFAR10Converter.convert(from: root + "/bad", out: root + "/out2", options: testOptions())) {
            XCTAssertEqual("\($0)", "\(root)/bad/data_batch_1.bin: open failed: No such file or directory")
        }
    }

    func testIDXPlainAndGzipped() throws {
        let root = try makeTemporaryDirectory(self)
        func idx(_ dimensions: [Int], _ values: [UInt8]) -> [UInt8] {
            [0, 0, 8, UInt8(dimensions.count)] + dimensions.flatMap { d in (0 ..< 4).map { UInt8(truncatingIfNeeded: d >> (24 - 8 * $0)) } } + values
        }
        try writeFile(root + "/train-images-idx3-ubyte", idx([3, 2, 4], Array(0 ..< 24)))
        try writeFile(root + "/train-labels-idx1-ubyte", idx([3], [2, 0, 1]))
        try writeFile(root + "/t10k-images-idx3-ubyte", idx([1, 2, 4], Array(100 ..< 108)))
        try writeFile(root + "/t10k-labels-idx1-ubyte", idx([1], [1]))
        try gzip(root + "/t10k-images-idx3-ubyte")
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/t10k-images-idx3-ubyte.gz"))
        let manifest = try IDXConverter.convert(from: root, out: root + "/out", options: testOptions())
        XCTAssertEqual(manifest.classes, ["0", "1", "2"])
        XCTAssertEqual(manifest.imageSize, .fixed(width: 4, height: 2))
        let train = try readSamples(root + "/out", split: "train")
        XCTAssertEqual(try train.map(classIndex), [2, 0, 1])
        XCTAssertEqual(try Image(decoding: XCTUnwrap(train[1]["pgm"]), name: "pgm", as: .grey).pixels, Array(8 ..< 16))
        let val = try readSamples(root + "/out", split: "val")
        XCTAssertEqual(try Image(decoding: XCTUnwrap(val[0]["pgm"]), name: "pgm", as: .grey).pixels, Array(100 ..< 108))

        try writeFile(root + "/t/train-images-idx3-ubyte.gz", [0x1F, 0x8B, 8, 0, 0, 0])
        try writeFile(root + "/t/train-labels-idx1-ubyte", idx([1], [1]))
        XCTAssertThrowsError(try IDXConverter.convert(from: root + "/t", out: root + "/out2", options: testOptions())) {
            XCTAssertTrue("\($0)".hasPrefix("\(root)/t/train-images-idx3-ubyte.gz: "), "\($0)")
        }
    }

    func testFolderPerClassWithSplits() throws {
        let root = try makeTemporaryDirectory(self)
        try writeFile(root + "/in/train/cat/1.png", encodedImage(width: 8, height: 8))
        try writeFile(root + "/in/train/cat/2.jpg", encodedImage(width: 8, height: 6, jpeg: true))
        try writeFile(root + "/in/train/dog/x.PNG", encodedImage(width: 8, height: 8))
        try writeFile(root + "/in/val/dog/y.png", encodedImage(width: 8, height: 8))
        let manifest = try FolderConverter.convert(from: root + "/in", out: root + "/out", options: testOptions())
        XCTAssertEqual(manifest.classes, ["cat", "dog"])
        XCTAssertEqual(manifest.imageSize, .variable)
        let train = try readSamples(root + "/out", split: "train")
        XCTAssertEqual(try train.map(classIndex), [0, 0, 1])
        XCTAssertNotNil(train[1]["jpg"])
        XCTAssertEqual(try readSamples(root + "/out", split: "val").map(classIndex), [1])
    }

    func testFailedConversionLeavesNothingBehind() throws {
        let root = try makeTemporaryDirectory(self)
        try writeFile(root + "/in/a/1.png", encodedImage(width: 8, height: 8))
        try writeFile(root + "/in/a/2.png", encodedImage(width: 8, height: 8))
        try writeFile(root + "/in/b/3.png", Array("not an image".utf8))
        XCTAssertThrowsError(try FolderConverter.convert(from: root + "/in", out: root + "/out", options: testOptions(shardSize: 1))) {
            XCTAssertEqual("\($0)", "\(root)/in/b/3.png: not a JPEG, PNG, PPM or PGM image")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/out"), "the two finished shards and the directory are removed")
    }

    func testTinyImageNetLayout() throws {
        let root = try makeTemporaryDirectory(self) + "/tiny"
        try writeText(root + "/wnids.txt", "n02\nn01\n")
        try writeText(root + "/words.txt", "n01\tgoldfish, Carassius auratus\nn02\tEuropean fire salamander\nn03\tunused\n")
        for wnid in ["n01", "n02"] {
            try writeFile(root + "/train/\(wnid)/images/\(wnid)_0.JPEG", encodedImage(width: 64, height: 64, jpeg: true))
            try writeText(root + "/train/\(wnid)/\(wnid)_boxes.txt", "\(wnid)_0.JPEG\t0\t0\t10\t10\n")
        }
        try writeFile(root + "/val/images/val_0.JPEG", encodedImage(width: 64, height: 64, jpeg: true))
        try writeFile(root + "/val/images/val_1.JPEG", encodedImage(width: 64, height: 64, jpeg: true))
        try writeText(root + "/val/val_annotations.txt", "val_0.JPEG\tn01\t0\t0\t5\t5\nval_1.JPEG\tn02\t1\t1\t6\t6\n")
        let manifest = try FolderConverter.convert(from: root, out: root + "-out", options: testOptions())
        XCTAssertEqual(manifest.classes, ["European fire salamander", "goldfish"])
        XCTAssertEqual(manifest.extra?["wnids"], "n02,n01")
        XCTAssertEqual(manifest.imageSize, .fixed(width: 64, height: 64))
        XCTAssertEqual(try readSamples(root + "-out", split: "train").map(classIndex), [0, 1])
        XCTAssertEqual(try readSamples(root + "-out", split: "val").map(classIndex), [1, 0])
    }

    /// Compresses `path` to `path.gz` with the system gzip (skips the test without it; fails it under CI=true).
    private func gzip(_ path: String) throws {
        try TestTools.requireExecutable("/bin/gzip", "apt-get install gzip")
        _ = try TestTools.runChecked(URL(fileURLWithPath: "/bin/gzip"), [path])
    }
}
