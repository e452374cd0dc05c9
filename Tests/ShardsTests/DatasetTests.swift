import Foundation
import Shards
import XCTest

final class DatasetTests: XCTestCase {
    private let creator = DatasetManifest.Creator(tool: "shards-tests", version: "1.0")

    /// A dataset with `trainShards` train shards of 3 samples each and one val shard.
    private func makeDataset(trainShards: Int = 2) throws -> (directory: String, manifest: DatasetManifest) {
        let directory = try makeTemporaryDirectory(self)
        var splits: [String: [ShardInfo]] = [:]
        for (split, count) in [("train", trainShards * 3), ("val", 2)] {
            let writer = try ShardWriter(directory: directory, split: split, maxSamplesPerShard: 3)
            for index in 0 ..< count {
                try writer.append(key: "\(split)\(index)", members: [("ppm", randomBytes(64, seed: UInt64(index))), ("cls", Array("\(index % 3)".utf8))])
            }
            splits[split] = try writer.finish()
        }
        let manifest = DatasetManifest(name: "tiny", task: .classify, classes: ["a", "b", "c"],
                                       imageSize: .fixed(width: 4, height: 4), splits: splits, creator: creator,
                                       extra: ["source": "unit test"])
        try manifest.write(to: directory + "/dataset.json")
        return (directory, manifest)
    }

    func testManifestRoundTripAndJSONShape() throws {
        let (directory, manifest) = try makeDataset()
        let path = directory + "/dataset.json"
        XCTAssertEqual(try DatasetManifest.read(from: path), manifest)
        let json = try JSONSerialization.jsonObject(with: Data(readFile(path))) as! [String: Any]
        XCTAssertEqual(json.keys.sorted(), ["classes", "creator", "extra", "image_size", "name", "splits", "task"])
        XCTAssertEqual(json["task"] as? String, "classify")
        XCTAssertEqual(json["image_size"] as? [String: Int], ["width": 4, "height": 4])
        let train = (json["splits"] as! [String: Any])["train"] as! [[String: Any]]
        XCTAssertEqual(train.map { $0["file"] as? String }, ["train-000000.tar.zst", "train-000001.tar.zst"])
        XCTAssertEqual(train.map { $0["samples"] as? Int }, [3, 3])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no temporary file is left beside dataset.json")
    }

    func testVariableImageSizeAndDetectTaskRoundTrip() throws {
        let directory = try makeTemporaryDirectory(self)
        let manifest = DatasetManifest(name: "coco", task: .detect, classes: ["person"], imageSize: .variable,
                                       splits: ["val": []], creator: creator, extra: nil)
        try manifest.write(to: directory + "/dataset.json")
        XCTAssertTrue(String(decoding: try readFile(directory + "/dataset.json"), as: UTF8.self).contains("\"image_size\" : \"variable\""))
        XCTAssertEqual(try DatasetManifest.read(from: directory + "/dataset.json"), manifest)
    }

    func testOpensAndReadsEverySplit() throws {
        let (directory, manifest) = try makeDataset()
        let dataset = try Dataset(directory: directory)
        XCTAssertEqual(dataset.manifest, manifest)
        XCTAssertEqual(dataset.splitNames, ["train", "val"])
        let train = try dataset.shards(split: "train")
        XCTAssertEqual(train.map(\.samples), [3, 3])
        XCTAssertEqual(try train.flatMap { try readAll(dataset.openShard($0)).map(\.key) }, (0 ..< 6).map { "train\($0)" })
        XCTAssertThrowsShardError(try dataset.shards(split: "test"),
                                  .unknownSplit(file: directory + "/dataset.json", split: "test"), mentions: ["'test'"])
    }

    func testMissingManifest() throws {
        let directory = try makeTemporaryDirectory(self)
        XCTAssertThrowsShardError(try Dataset(directory: directory), .missingManifest(file: directory + "/dataset.json"),
                                  mentions: ["\(directory)/dataset.json: missing dataset manifest"])
    }

    /// `--data coco128.yaml`, as a YOLOv5 user types it, says how to convert the file instead of "missing manifest".
    func testAYOLOv5DataFileSaysHowToConvertIt() throws {
        let file = try makeTemporaryDirectory(self) + "/coco128.yaml"
        try "path: ../datasets/coco128\ntrain: images/train2017\nval: images/train2017\nnc: 80\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Dataset(directory: file)) { error in
            XCTAssertEqual("\(error)", "\(file): invalid manifest: a YOLOv5 data file, not a shard dataset: `spd train --data` and "
                           + "`spd val --data` convert it once into cached shards; elsewhere convert it with `spd data make yolo --from \(file) --out DIR`")
        }
    }

    func testMissingShardFile() throws {
        let (directory, _) = try makeDataset()
        try FileManager.default.removeItem(atPath: directory + "/train-000001.tar.zst")
        XCTAssertThrowsShardError(try Dataset(directory: directory), .missingShard(file: directory + "/train-000001.tar.zst"),
                                  mentions: ["train-000001.tar.zst"])
    }

    func testShardSizeDifferentFromManifest() throws {
        let (directory, _) = try makeDataset()
        let path = directory + "/val-000000.tar.zst"
        let bytes = try readFile(path)
        try writeFile(path, bytes + [0])
        XCTAssertThrowsShardError(try Dataset(directory: directory),
                                  .sizeMismatch(file: path, expected: bytes.count, actual: bytes.count + 1), mentions: ["val-000000.tar.zst"])
    }

    func testShaMismatchInManifestIsReportedWhileReading() throws {
        var (directory, manifest) = try makeDataset()
        let actual = manifest.splits["train"]![1].sha256
        let wrong = String(repeating: "0", count: 64)
        manifest.splits["train"]![1].sha256 = wrong
        try manifest.write(to: directory + "/dataset.json")
        let dataset = try Dataset(directory: directory)
        let shards = try dataset.shards(split: "train")
        XCTAssertEqual(try readAll(dataset.openShard(shards[0])).count, 3)
        let path = directory + "/train-000001.tar.zst"
        XCTAssertThrowsShardError(try readAll(dataset.openShard(shards[1])), .checksumMismatch(file: path, expected: wrong, actual: actual),
                                  mentions: ["train-000001.tar.zst: sha256 mismatch (manifest \(wrong), file \(actual))"])
    }

    func testInvalidManifestNamesTheField() throws {
        let (directory, _) = try makeDataset()
        let path = directory + "/dataset.json"
        var json = try JSONSerialization.jsonObject(with: Data(readFile(path))) as! [String: Any]
        var splits = json["splits"] as! [String: Any]
        var train = splits["train"] as! [[String: Any]]
        train[1]["sha256"] = 42
        splits["train"] = train
        json["splits"] = splits
        try writeFile(path, [UInt8](try JSONSerialization.data(withJSONObject: json)))
        XCTAssertThrowsShardError(try Dataset(directory: directory),
                                  .invalidManifest(file: path, field: "splits.train[1].sha256", reason: "expected a string"),
                                  mentions: ["dataset.json", "splits.train[1].sha256"])

        json.removeValue(forKey: "task")
        try writeFile(path, [UInt8](try JSONSerialization.data(withJSONObject: json)))
        XCTAssertThrowsShardError(try Dataset(directory: directory), .invalidManifest(file: path, field: "task", reason: "missing"))

        try writeFile(path, Array("{\"name\": ".utf8))
        XCTAssertThrowsShardError(try Dataset(directory: directory), .invalidManifest(file: path, field: nil, reason: "not valid JSON"))
    }

    func testManifestValuesAreChecked() throws {
        let (directory, manifest) = try makeDataset()
        var bad = manifest
        bad.splits["val"]![0].file = "../elsewhere.tar.zst"
        try bad.write(to: directory + "/dataset.json")
        XCTAssertThrowsShardError(try Dataset(directory: directory), .invalidManifest(
            file: directory + "/dataset.json", field: "splits.val[0].file", reason: "'../elsewhere.tar.zst' is not a file name in the dataset directory"))
        bad = manifest
        bad.splits["val"]![0].sha256 = "ABC"
        try bad.write(to: directory + "/dataset.json")
        XCTAssertThrowsShardError(try Dataset(directory: directory), .invalidManifest(
            file: directory + "/dataset.json", field: "splits.val[0].sha256", reason: "'ABC' is not 64 lowercase hex digits"))
    }
}

final class NestedOutputDirectoryTests: XCTestCase {
    /// `spd data make --out data/x` on a fresh checkout: the writer creates the missing parent directories.
    func testWriterCreatesMissingParents() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("spd-nested-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("a/b/c").path
        let writer = try ShardWriter(directory: directory, split: "train")
        try writer.append(key: "k0", members: [(extension: "cls", data: Array("1".utf8))])
        let shards = try writer.finish()
        XCTAssertEqual(shards.map(\.samples), [1])
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(directory)/train-000000.tar.zst"))
    }
}
