import Datasets
import Foundation
import Shards
import XCTest

final class InspectVerifyTests: XCTestCase {
    /// A detection dataset of two shards ("000", "001" in the first; "002" in the second) built from known boxes.
    private func makeDetectionDataset(_ root: String) throws -> String {
        try writeFile(root + "/in/images/a.png", encodedImage(width: 200, height: 100))
        let images = (0 ..< 3).map { "{\"id\": \($0), \"file_name\": \"a.png\", \"width\": 200, \"height\": 100}" }.joined(separator: ",")
        let boxes = [[1, 1, 10, 10], [0, 0, 40, 40], [0, 0, 100, 99], [5, 5, 31, 33]]
        let annotations = boxes.enumerated().map { index, box in
            "{\"id\": \(index), \"image_id\": \(index % 3), \"category_id\": 1, \"bbox\": \(box), \"iscrowd\": 0}"
        }.joined(separator: ",")
        try writeText(root + "/in/c.json", "{\"images\": [\(images)], \"annotations\": [\(annotations)], \"categories\": [{\"id\": 1, \"name\": \"x\"}, {\"id\": 2, \"name\": \"y\"}]}")
        _ = try COCOConverter.convert(annotations: root + "/in/c.json", images: root + "/in/images", out: root + "/det", options: testOptions(shardSize: 2))
        return root + "/det"
    }

    func testInspectCounts() throws {
        let directory = try makeDetectionDataset(try makeTemporaryDirectory(self))
        let inspection = try DatasetInspection(directory: directory)
        XCTAssertEqual(inspection.splits.map(\.samples), [3])
        XCTAssertEqual(inspection.splits.map(\.shards), [2])
        XCTAssertEqual([inspection.boxSizes.small, inspection.boxSizes.medium, inspection.boxSizes.large], [2, 1, 1], "100, 1023 | 1600 | 9900 square pixels")
        XCTAssertEqual(inspection.classCounts, [4, 0])
        XCTAssertEqual(inspection.bytes, try Dataset(directory: directory).shards(split: "train").reduce(0) { $0 + $1.bytes })
        let ratio = try XCTUnwrap(inspection.compressionRatio)
        XCTAssertGreaterThan(ratio, 1)
        XCTAssertTrue(inspection.rendered.contains("small (< 32^2) 2 (50%), medium 1 (25%), large (>= 96^2) 1 (25%)"), inspection.rendered)
    }

    func testInspectRecordsTheExactTarSize() throws {
        let directory = try makeDetectionDataset(try makeTemporaryDirectory(self))
        let manifest = try Dataset(directory: directory).manifest
        var tarBytes = 0
        for shard in manifest.splits["train"]! {
            let file = FileHandle(forReadingAtPath: directory + "/" + shard.file)!
            let decompressed = try decompress(file.readDataToEndOfFile())
            tarBytes += decompressed
        }
        XCTAssertEqual(manifest.extra?["tar_bytes"], String(tarBytes))
    }

    func testVerifyCleanDataset() throws {
        let directory = try makeDetectionDataset(try makeTemporaryDirectory(self))
        let verifier = try DatasetVerifier(directory: directory)
        XCTAssertEqual(verifier.problems, [])
        XCTAssertEqual(verifier.shards, 2)
        XCTAssertEqual(verifier.samples, 3)
    }

    // MARK: damaged datasets: every problem names the shard file and the sample, and the next shard is still checked

    func testTruncatedZstdFrame() throws {
        let (directory, shards) = try damagedClassification { path, _ in
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try bytes.prefix(bytes.count - 20).write(to: URL(fileURLWithPath: path))
        }
        let verifier = try DatasetVerifier(directory: directory)
        XCTAssertEqual(verifier.problems.map(\.description), ["\(shards[0]): truncated zstd frame (the file ends inside a frame)"])
        XCTAssertEqual(verifier.samples, 2, "the second, intact shard is still read")
    }

    func testCorruptTarHeader() throws {
        let (directory, shards) = try damagedClassification { path, info in
            try rewriteTar(path) { tar in tar[512 * 4 + 100] ^= 0x20 }  // the mode field of the second sample's first header (after .png and .cls, one block each)
            try fixManifest(info)
        }
        let problems = try DatasetVerifier(directory: directory).problems
        XCTAssertEqual(problems.count, 1, "\(problems)")
        // The broken header is found while looking for the end of sample 00000000, so neither sample is returned.
        XCTAssertTrue(problems[0].description.hasPrefix("\(shards[0]): corrupt tar header at offset 2048 (member '00000001.png'): checksum mismatch"),
                      problems[0].description)
    }

    func testMissingLabelMemberImageThatFailsAndClassOutOfRange() throws {
        let root = try makeTemporaryDirectory(self)
        let writer = try ShardWriter(directory: root, split: "train")
        let image = try encodedImage(width: 4, height: 4)
        try writer.append(key: "good", members: [("png", image), ("cls", Array("1".utf8))])
        try writer.append(key: "nolabel", members: [("png", image)])
        try writer.append(key: "badimage", members: [("png", Array(image.prefix(30))), ("cls", Array("0".utf8))])
        try writer.append(key: "badclass", members: [("png", image), ("cls", Array("12".utf8))])
        let shards = try writer.finish()
        try DatasetManifest(name: "t", task: .classify, classes: ["a", "b"], imageSize: .fixed(width: 4, height: 4), splits: ["train": shards],
                            creator: .init(tool: "test", version: "0")).write(to: root + "/dataset.json")
        let problems = try DatasetVerifier(directory: root).problems.map(\.description)
        let shard = root + "/train-000000.tar.zst"
        XCTAssertEqual(problems.count, 3, "\(problems)")
        XCTAssertEqual(problems[0], "\(shard): sample 'nolabel': no .cls label member")
        XCTAssertTrue(problems[1].hasPrefix("\(shard): sample 'badimage': image does not decode: badimage.png: truncated PNG"), problems[1])
        XCTAssertEqual(problems[2], "\(shard): sample 'badclass': class 12 is outside 0..<2 (the dataset's class count)")
    }

    func testBoxOutsideImageAndBadDetectionClass() throws {
        let root = try makeTemporaryDirectory(self)
        let writer = try ShardWriter(directory: root, split: "val")
        // Box 3 overhangs by half a pixel, within SampleSchema.boxTolerance: the verifier accepts what the loader accepts.
        let label = try DetectionLabel(width: 4, height: 4, boxes: [[0, 0, 2, 2, 0], [3, 3, 3, 1, 0], [0, 0, 1, 1, 5], [2.5, 0, 2, 2, 0]]).encoded()
        try writer.append(key: "k", members: [("png", encodedImage(width: 4, height: 4)), ("json", label)])
        try DatasetManifest(name: "t", task: .detect, classes: ["a"], imageSize: .variable, splits: ["val": writer.finish()],
                            creator: .init(tool: "test", version: "0")).write(to: root + "/dataset.json")
        let problems = try DatasetVerifier(directory: root).problems.map(\.message)
        XCTAssertEqual(problems, ["box 1 [3, 3, 3, 1] (x, y, w, h) lies outside the 4x4 image", "box 2: class 5 is outside 0..<1 (the dataset's class count)"])
    }

    func testSHA256Mismatch() throws {
        let (directory, shards) = try damagedClassification { _, info in
            var manifest = try DatasetManifest.read(from: info.directory + "/dataset.json")
            manifest.splits["train"]![0].sha256 = String(repeating: "0", count: 64)
            try manifest.write(to: info.directory + "/dataset.json")
        }
        let problems = try DatasetVerifier(directory: directory).problems
        XCTAssertEqual(problems.count, 1, "\(problems)")
        XCTAssertTrue(problems[0].description.hasPrefix("\(shards[0]): after sample '00000001': sha256 mismatch (manifest \(String(repeating: "0", count: 64)), file "),
                      problems[0].description)
    }

    func testEmptyShard() throws {
        let (directory, shards) = try damagedClassification { path, info in
            try Data().write(to: URL(fileURLWithPath: path))
            var manifest = try DatasetManifest.read(from: info.directory + "/dataset.json")
            manifest.splits["train"]![0].bytes = 0
            try manifest.write(to: info.directory + "/dataset.json")
        }
        let problems = try DatasetVerifier(directory: directory).problems
        XCTAssertEqual(problems.map(\.description), ["\(shards[0]): empty shard (no samples, manifest says 2)"])
    }

    // MARK: helpers

    /// A 4-sample classification dataset in two shards of 2; `damage` is applied to the first shard's path.
    private func damagedClassification(_ damage: (String, (directory: String, shard: String)) throws -> Void) throws -> (String, [String]) {
        let root = try makeTemporaryDirectory(self)
        let source = root + "/in"
        for (index, name) in ["a", "b", "c", "d"].enumerated() {
            try writeFile(source + "/train/\(index % 2 == 0 ? "x" : "y")/\(name).png", encodedImage(width: 6, height: 6))
        }
        let directory = root + "/out"
        let manifest = try FolderConverter.convert(from: source, out: directory, options: testOptions(shardSize: 2))
        let shards = manifest.splits["train"]!.map { directory + "/" + $0.file }
        XCTAssertEqual(try DatasetVerifier(directory: directory).problems, [])
        try damage(shards[0], (directory, shards[0]))
        return (directory, shards)
    }

    /// Decompresses a shard, lets `edit` change the tar bytes, and compresses it back.
    private func rewriteTar(_ path: String, _ edit: (inout [UInt8]) -> Void) throws {
        var tar = try decompressedBytes(Data(contentsOf: URL(fileURLWithPath: path)))
        edit(&tar)
        let file = try OutputFile(creating: path)
        let compressor = try ZstdCompressor(output: file)
        try tar.withUnsafeBytes { try compressor.write($0) }
        try compressor.finish()
        try file.syncAndClose()
    }

    /// Records the shard's new size and checksum in the manifest, so only the content damage remains.
    private func fixManifest(_ info: (directory: String, shard: String)) throws {
        let file = try InputFile(path: info.shard)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while try buffer.withUnsafeMutableBytes({ try file.read(into: $0) }) > 0 {}
        var manifest = try DatasetManifest.read(from: info.directory + "/dataset.json")
        manifest.splits["train"]![0].bytes = file.bytesRead
        manifest.splits["train"]![0].sha256 = file.digest().hex
        try manifest.write(to: info.directory + "/dataset.json")
    }

    private func decompress(_ data: Data) throws -> Int { try decompressedBytes(data).count }

    private func decompressedBytes(_ data: Data) throws -> [UInt8] {
        let source = try ZstdDecompressor(source: MemorySource([UInt8](data)))
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { return output }
            output += buffer[..<count]
        }
    }
}

/// A `ByteSource` over bytes in memory.
private final class MemorySource: ByteSource {
    let path = "memory"
    private let bytes: [UInt8]
    private var position = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: count) }
        position += count
        return count
    }
}
