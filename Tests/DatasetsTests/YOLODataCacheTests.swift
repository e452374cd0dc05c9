import Datasets
import Foundation
import Shards
import XCTest

/// `spd train --data X.yaml`: a YOLOv5 data file in its usual forms (directories, .txt lists, lists of them, no
/// `path:`), converted once into cached shards and converted again only when its images or labels change.
final class YOLODataCacheTests: XCTestCase {
    private func makeDataset(_ root: String) throws {
        try writeFile(root + "/ds/images/train/a.png", encodedImage(width: 40, height: 20))
        try writeFile(root + "/ds/images/train/sub/b.png", encodedImage(width: 16, height: 16))
        try writeFile(root + "/ds/images/extra/e.png", encodedImage(width: 8, height: 8))
        try writeFile(root + "/ds/images/val/c.png", encodedImage(width: 10, height: 10))
        try writeText(root + "/ds/labels/train/a.txt", "0 0.5 0.5 0.5 0.5\n")
        try writeText(root + "/ds/labels/train/sub/b.txt", "1 0.5 0.5 0.25 0.25\n")
        try writeText(root + "/ds/labels/val/c.txt", "1 0.5 0.5 1 1\n")
        try writeText(root + "/ds/val.txt", "./images/val/c.png\n")
        // No `path:`: the entries are relative to the current directory, else to the yaml's own directory.
        try writeText(root + "/data.yaml", "train: [ds/images/train, ds/images/extra]\nval: ds/val.txt\nnc: 2\nnames: [cat, dog]\n")
    }

    func testConvertsOnceAndAgainOnlyWhenTheInputChanges() throws {
        let root = try makeTemporaryDirectory(self)
        try makeDataset(root)
        let data = root + "/data.yaml"
        XCTAssertTrue(YOLODataCache.isDataFile(data))
        XCTAssertFalse(YOLODataCache.isDataFile(root + "/ds"))

        let log = LogLines()
        let cache = try YOLODataCache.prepare(dataFile: data, options: testOptions(log: log))
        XCTAssertEqual(cache, root + "/data.spd-shards")
        let dataset = try Dataset(directory: cache)
        XCTAssertEqual(dataset.manifest.classes, ["cat", "dog"])
        XCTAssertEqual(try readSamples(cache, split: "train").count, 3, "a list of two directories, one searched recursively")
        let val = try readSamples(cache, split: "val")
        XCTAssertEqual(try val.map(detectionLabel).map(\.boxes), [[[0, 0, 10, 10, 1]]], "the .txt list's ./ line")
        XCTAssertTrue(log.lines.contains { $0.hasPrefix("\(data): converting into \(cache)") }, "\(log.lines)")
        let manifestDate = try FileManager.default.attributesOfItem(atPath: cache + "/dataset.json")[.modificationDate] as? Date

        // Unchanged: the same shards.
        let again = LogLines()
        XCTAssertEqual(try YOLODataCache.prepare(dataFile: data, options: testOptions(log: again)), cache)
        XCTAssertEqual(again.lines, ["\(data): using the shards converted before, \(cache) (the images and labels are unchanged)"])
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: cache + "/dataset.json")[.modificationDate] as? Date, manifestDate)

        // A label changes: converted again.
        try writeText(root + "/ds/labels/train/a.txt", "1 0.5 0.5 0.5 0.5\n0 0.25 0.25 0.1 0.1\n")
        let third = LogLines()
        _ = try YOLODataCache.prepare(dataFile: data, options: testOptions(log: third))
        XCTAssertTrue(third.lines.contains { $0.hasPrefix("\(data): converting into") }, "\(third.lines)")
        XCTAssertEqual(try detectionLabel(readSamples(cache, split: "train")[0]).boxes.count, 2)
    }

    func testABadInputLeavesNoCache() throws {
        let root = try makeTemporaryDirectory(self)
        try makeDataset(root)
        try writeFile(root + "/ds/images/train/a.png", [0x89, 0x50, 0x4E, 0x47, 1, 2, 3])
        XCTAssertThrowsError(try YOLODataCache.prepare(dataFile: root + "/data.yaml", options: testOptions())) { error in
            XCTAssertTrue("\(error)".contains("\(root)/ds/images/train/a.png"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.contains("spd-shards") }, [], "no cache, no partial one")

        try writeText(root + "/bad.yaml", "train: ds/images/train\nnc: 3\nnames: [cat, dog]\n")
        XCTAssertThrowsError(try YOLODataCache.prepare(dataFile: root + "/bad.yaml", options: testOptions())) { error in
            XCTAssertEqual("\(error)", "\(root)/bad.yaml: nc: 3, but names lists 2 classes")
        }
        try writeText(root + "/list.yaml", "train: ds/missing.txt\nnames: [cat, dog]\n")
        XCTAssertThrowsError(try YOLODataCache.prepare(dataFile: root + "/list.yaml", options: testOptions())) { error in
            XCTAssertEqual("\(error)", "\(root)/list.yaml: train: \(root)/ds/missing.txt does not exist")
        }
    }
}
