import Datasets
import Foundation
import Shards
import XCTest

final class COCOConverterTests: XCTestCase {
    func testLabelmeVOCFixture() throws {
        let fixture = try sharedFixture("coco-labelme-voc")
        let out = try makeTemporaryDirectory(self) + "/voc"
        let report = try COCOConverter.convert(annotations: fixture + "/annotations.json", out: out, options: testOptions())
        XCTAssertEqual(report.images, 3)
        XCTAssertEqual(report.instances, 12)
        XCTAssertEqual(report.categories, 21)
        XCTAssertEqual(report.classIndexByCategoryID, Dictionary(uniqueKeysWithValues: (0 ..< 21).map { ($0, $0) }))
        XCTAssertEqual(report.samplesWritten, 3)
        XCTAssertEqual(report.boxesWritten, 12)
        XCTAssertEqual(report.recomputedAreas, 0, "mask areas smaller than their boxes are kept")
        XCTAssertEqual(report.missingImages + report.clippedBoxes + report.droppedBoxes, 0)

        let manifest = try Dataset(directory: out).manifest
        XCTAssertEqual(manifest.classes.first, "_background_")
        XCTAssertEqual(manifest.extra?["coco_category_ids"], (0 ..< 21).map(String.init).joined(separator: ","))
        let samples = try readSamples(out, split: "train")
        XCTAssertEqual(samples.map(\.key), ["000000000000", "000000000001", "000000000002"], "image id 0 is a sample like any other")
        let original = try XCTUnwrap(FileManager.default.contents(atPath: fixture + "/JPEGImages/2011_000003.jpg"))
        XCTAssertEqual(samples[0]["jpg"], [UInt8](original), "images are stored as their original bytes")
        let label = try detectionLabel(samples[0])
        XCTAssertEqual(label.width, 500)
        XCTAssertEqual(label.height, 338)
        XCTAssertEqual(label.boxes[0], [191, 107, 123, 221, 15])
        XCTAssertEqual(label.area?[0], 15689)
        XCTAssertEqual(label.iscrowd, [0, 0, 0])
    }

    func testSahiTerrainFixtureRecomputesEveryArea() throws {
        let fixture = try sharedFixture("coco-sahi-terrain")
        let out = try makeTemporaryDirectory(self) + "/terrain"
        let report = try COCOConverter.convert(annotations: fixture + "/terrain2_coco.json", split: "val", out: out, options: testOptions())
        XCTAssertEqual(report.images, 1)
        XCTAssertEqual(report.instances, 5)
        XCTAssertEqual(report.categories, 1)
        XCTAssertEqual(report.classIndexByCategoryID, [1: 0])
        XCTAssertEqual(report.recomputedAreas, 5)
        let samples = try readSamples(out, split: "val")
        XCTAssertEqual(samples.count, 1)
        XCTAssertNotNil(samples[0]["png"])
        let label = try detectionLabel(samples[0])
        XCTAssertEqual(label.width, 1024)
        XCTAssertEqual(label.height, 682)
        XCTAssertEqual(label.boxes[0], [218, 448, 222, 161, 0])
        XCTAssertEqual(label.area?[0], 222 * 161)
        XCTAssertEqual(try Dataset(directory: out).manifest.imageSize, .fixed(width: 1024, height: 682))
    }

    /// Non-contiguous ids, iscrowd, a missing image, boxes leaving the image, an unknown category.
    func testGeneratedFileQuirks() throws {
        let root = try makeTemporaryDirectory(self)
        try writeFile(root + "/images/a.png", encodedImage(width: 40, height: 30))
        try writeFile(root + "/images/b.jpg", encodedImage(width: 20, height: 20, jpeg: true))
        try writeText(root + "/instances_val.json", """
        {"info": {"year": 2017}, "licenses": [],
         "images": [{"id": 7, "file_name": "a.png", "width": 40, "height": 30},
                    {"id": 9, "file_name": "b.jpg", "width": 21, "height": 20},
                    {"id": 11, "file_name": "missing.jpg", "width": 5, "height": 5}],
         "categories": [{"id": 90, "name": "toothbrush"}, {"id": 3, "name": "car"}, {"id": 1, "name": "person \\"p\\" \\u00e9"}],
         "annotations": [
           {"id": 1, "image_id": 7, "category_id": 90, "bbox": [1, 2, 10, 5], "area": 50, "iscrowd": 0, "segmentation": [[1, 2, 3, 4]]},
           {"id": 2, "image_id": 7, "category_id": 3, "bbox": [35, 25, 10, 10], "area": 30.5, "iscrowd": 1, "segmentation": {"counts": [1, 2], "size": [30, 40]}},
           {"id": 3, "image_id": 7, "category_id": 1, "bbox": [50, 50, 5, 5], "area": 25, "iscrowd": 0},
           {"id": 4, "image_id": 9, "category_id": 1, "bbox": [0, 0, 4, 4], "area": null, "iscrowd": 0},
           {"id": 5, "image_id": 9, "category_id": 2, "bbox": [0, 0, 4, 4], "area": 16, "iscrowd": 0},
           {"id": 6, "image_id": 11, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 0},
           {"id": 7, "image_id": 12, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 0}]}
        """)
        let out = root + "/out"
        let log = LogLines()
        let report = try COCOConverter.convert(annotations: root + "/instances_val.json", images: root + "/images", split: "val", out: out, options: testOptions(log: log))
        XCTAssertEqual(report.classIndexByCategoryID, [1: 0, 3: 1, 90: 2])
        XCTAssertEqual(report.missingImages, 1)
        XCTAssertEqual(report.samplesWritten, 2)
        XCTAssertEqual(report.clippedBoxes, 1)
        XCTAssertEqual(report.droppedBoxes, 1)
        XCTAssertEqual(report.recomputedAreas, 2, "the null area, and 30.5 > the clipped box's 5x5")
        XCTAssertEqual(report.unknownCategoryAnnotations, 1)
        XCTAssertEqual(report.unknownImageAnnotations, 1)
        XCTAssertEqual(report.sizeMismatches, 1)
        XCTAssertTrue(log.lines.contains { $0.contains("missing image") && $0.contains("missing.jpg") })

        let manifest = try Dataset(directory: out).manifest
        XCTAssertEqual(manifest.classes, ["person \"p\" é", "car", "toothbrush"])
        XCTAssertEqual(manifest.extra?["coco_category_ids"], "1,3,90")
        let samples = try readSamples(out, split: "val")
        XCTAssertEqual(samples.map(\.key), ["000000000007", "000000000009"])
        let first = try detectionLabel(samples[0])
        XCTAssertEqual(first.boxes, [[1, 2, 10, 5, 2], [35, 25, 5, 5, 1]])
        XCTAssertEqual(first.iscrowd, [0, 1])
        XCTAssertEqual(first.area, [50, 25])
        XCTAssertNotNil(samples[1]["jpg"])
    }

    func testValFractionSplitsDeterministically() throws {
        let root = try makeTemporaryDirectory(self)
        try writeFile(root + "/a.png", encodedImage(width: 8, height: 8))
        let images = (0 ..< 40).map { "{\"id\": \($0), \"file_name\": \"a.png\", \"width\": 8, \"height\": 8}" }.joined(separator: ",")
        try writeText(root + "/c.json", "{\"images\": [\(images)], \"annotations\": [], \"categories\": [{\"id\": 1, \"name\": \"x\"}]}")
        var keys: [[String]] = []
        for run in 0 ..< 2 {
            _ = try COCOConverter.convert(annotations: root + "/c.json", valFraction: 0.25, out: root + "/out\(run)", options: testOptions(seed: 5))
            keys.append(try readSamples(root + "/out\(run)", split: "val").map(\.key))
        }
        XCTAssertEqual(keys[0], keys[1])
        XCTAssertGreaterThan(keys[0].count, 3)
        XCTAssertLessThan(keys[0].count, 20)
        XCTAssertEqual(try readSamples(root + "/out0", split: "train").count + keys[0].count, 40)
    }

    func testSecondSplitIsAddedToTheSameDirectory() throws {
        let fixture = try sharedFixture("coco-sahi-terrain")
        let out = try makeTemporaryDirectory(self) + "/terrain"
        _ = try COCOConverter.convert(annotations: fixture + "/terrain2_coco.json", split: "train", out: out, options: testOptions())
        _ = try COCOConverter.convert(annotations: fixture + "/terrain2_coco.json", split: "val", out: out, options: testOptions())
        XCTAssertEqual(try Dataset(directory: out).splitNames, ["train", "val"])
        XCTAssertThrowsError(try COCOConverter.convert(annotations: fixture + "/terrain2_coco.json", split: "val", out: out, options: testOptions())) {
            XCTAssertTrue("\($0)".contains("already has a 'val' split"), "\($0)")
        }
    }

    func testMalformedJSONNamesFileAndOffset() throws {
        let root = try makeTemporaryDirectory(self)
        try writeText(root + "/bad.json", "{\"images\": [{\"id\": 1, \"file_name\": \"a.png\"} {]}")
        XCTAssertThrowsError(try COCOConverter.convert(annotations: root + "/bad.json", out: root + "/out", options: testOptions())) {
            XCTAssertEqual("\($0)", "\(root)/bad.json: invalid JSON at byte 44: expected ',' or ']' in an array")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/out"), "nothing is left behind")
    }
}
