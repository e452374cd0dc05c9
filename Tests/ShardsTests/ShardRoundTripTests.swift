import Checksum
import Foundation
import Shards
import XCTest

final class ShardRoundTripTests: XCTestCase {
    /// Sample `index`: a 1000-byte "jpg" (1536 tar bytes) and a 1-byte "cls" (1024 tar bytes).
    private func sample(_ index: Int) -> ShardSample {
        ShardSample(key: String(format: "%06d", index), members: ["jpg": randomBytes(1000, seed: UInt64(index)), "cls": Array("\(index % 10)".utf8)])
    }

    private func write(_ samples: [ShardSample], to directory: String, split: String = "train",
                       maxSamples: Int? = nil, maxBytes: Int? = nil) throws -> [ShardInfo] {
        let writer = try ShardWriter(directory: directory, split: split, maxSamplesPerShard: maxSamples, maxBytesPerShard: maxBytes)
        for sample in samples { try writer.append(key: sample.key, members: [("jpg", sample["jpg"]!), ("cls", sample["cls"]!)]) }
        return try writer.finish()
    }

    private func readShards(_ shards: [ShardInfo], in directory: String) throws -> [ShardSample] {
        try shards.flatMap { try readAll(ShardReader(path: directory + "/" + $0.file, expected: $0)) }
    }

    func testRollsOverBySampleCount() throws {
        let directory = try makeTemporaryDirectory(self)
        let samples = (0 ..< 50).map(sample)
        let shards = try write(samples, to: directory, maxSamples: 8)
        XCTAssertEqual(shards.map(\.samples), [8, 8, 8, 8, 8, 8, 2])
        XCTAssertEqual(shards.map(\.file), (0 ..< 7).map { "train-00000\($0).tar.zst" })
        for shard in shards {
            let bytes = try readFile(directory + "/" + shard.file)
            XCTAssertEqual(shard.bytes, bytes.count)
            XCTAssertEqual(shard.sha256, SHA256.hash(bytes).hex)
        }
        XCTAssertEqual(try readShards(shards, in: directory), samples)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), shards.map(\.file),
                       "no temporary files are left")
    }

    func testRollsOverByUncompressedBytes() throws {
        let directory = try makeTemporaryDirectory(self)
        let samples = (0 ..< 10).map(sample)
        // Each sample is 2560 tar bytes: three fit in 10000, a fourth would make 10240.
        let shards = try write(samples, to: directory, split: "val", maxBytes: 10_000)
        XCTAssertEqual(shards.map(\.samples), [3, 3, 3, 1])
        XCTAssertEqual(shards.first?.file, "val-000000.tar.zst")
        XCTAssertEqual(try readShards(shards, in: directory), samples)
    }

    func testASampleLargerThanTheByteLimitGetsItsOwnShard() throws {
        let directory = try makeTemporaryDirectory(self)
        let shards = try write((0 ..< 3).map(sample), to: directory, maxBytes: 100)
        XCTAssertEqual(shards.map(\.samples), [1, 1, 1])
    }

    func testIdenticalInputGivesIdenticalShards() throws {
        let samples = (0 ..< 12).map(sample)
        let first = try write(samples, to: try makeTemporaryDirectory(self), maxSamples: 5)
        let second = try write(samples, to: try makeTemporaryDirectory(self), maxSamples: 5)
        XCTAssertEqual(first, second)
    }

    func testNoSamplesMeansNoShards() throws {
        let directory = try makeTemporaryDirectory(self)
        XCTAssertEqual(try write([], to: directory), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
    }

    func testSkipResumesInTheMiddleOfAShard() throws {
        let directory = try makeTemporaryDirectory(self)
        let samples = (0 ..< 20).map(sample)
        let shard = try write(samples, to: directory)[0]
        let reader = try ShardReader(path: directory + "/" + shard.file, expected: shard)
        try reader.skip(0)
        try reader.skip(7)
        XCTAssertEqual(reader.samplesRead, 7)
        XCTAssertEqual(try reader.next(), samples[7])
        try reader.skip(3)
        XCTAssertEqual(try readAll(reader), Array(samples[11...]))
        XCTAssertEqual(reader.samplesRead, 20)
        XCTAssertNil(try reader.next())
    }

    func testSkippingPastTheEndIsAnError() throws {
        let directory = try makeTemporaryDirectory(self)
        let shard = try write((0 ..< 4).map(sample), to: directory)[0]
        let path = directory + "/" + shard.file
        XCTAssertThrowsShardError(try ShardReader(path: path, expected: shard).skip(6),
                                  .notEnoughSamples(file: path, requested: 6, skipped: 4), mentions: [path])
    }

    func testInvalidKeysAreRejectedAndTheWriterStaysUsable() throws {
        let directory = try makeTemporaryDirectory(self)
        let writer = try ShardWriter(directory: directory)
        let member: [(extension: String, data: [UInt8])] = [("cls", [0x31])]
        XCTAssertThrowsShardError(try writer.append(key: "a.b", members: member),
                                  .invalidKey(file: directory, key: "a.b", reason: "it contains '.'"), mentions: ["'a.b'"])
        XCTAssertThrowsShardError(try writer.append(key: "a/b", members: member),
                                  .invalidKey(file: directory, key: "a/b", reason: "it contains '/'"))
        XCTAssertThrowsShardError(try writer.append(key: "", members: member),
                                  .invalidKey(file: directory, key: "", reason: "it is empty"))
        XCTAssertThrowsShardError(try writer.append(key: "k", members: [("cls", [1]), ("cls", [2])]),
                                  .invalidMember(file: directory, member: "k.cls", reason: "the sample already has this extension"))
        XCTAssertThrowsShardError(try writer.append(key: "k", members: [("", [1])]),
                                  .invalidMember(file: directory, member: "k.", reason: "the extension is empty"))
        try writer.append(key: "a", members: member)
        let shardPath = directory + "/train-000000.tar.zst"
        XCTAssertThrowsShardError(try writer.append(key: "a", members: member), .duplicateKey(file: shardPath, key: "a"))
        try writer.append(key: "b", members: member)
        let shards = try writer.finish()
        XCTAssertEqual(shards.map(\.samples), [2])
        XCTAssertEqual(try readShards(shards, in: directory).map(\.key), ["a", "b"])
        XCTAssertThrowsShardError(try writer.finish(), .writerClosed(file: directory, reason: "finish() was called"))
    }

    func testDroppingAnUnfinishedWriterLeavesNoPartialShard() throws {
        let directory = try makeTemporaryDirectory(self)
        do {
            let writer = try ShardWriter(directory: directory, maxSamplesPerShard: 2)
            for index in 0 ..< 3 { try writer.append(key: "k\(index)", members: [("cls", [0x30])]) }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["train-000000.tar.zst"])
    }

    func testMultithreadedShardsReadBack() throws {
        let directory = try makeTemporaryDirectory(self)
        let samples = (0 ..< 30).map(sample)
        let writer = try ShardWriter(directory: directory, maxSamplesPerShard: 16, zstdLevel: 9, zstdWorkers: 2)
        for sample in samples { try writer.append(key: sample.key, members: [("jpg", sample["jpg"]!), ("cls", sample["cls"]!)]) }
        let shards = try writer.finish()
        XCTAssertEqual(shards.map(\.samples), [16, 14])
        XCTAssertEqual(try readShards(shards, in: directory), samples)
    }

    /// Prints write and read throughput of shards; asserts nothing unless SPD_BENCH=1.
    func testThroughput() throws {
        guard ProcessInfo.processInfo.environment["SPD_BENCH"] == "1" else {
            throw XCTSkip("set SPD_BENCH=1 (and build with -c release) to measure shard throughput")
        }
        let directory = try makeTemporaryDirectory(self)
        // Raw-pixel-like data: a ramp plus 4 bits of noise, different in every sample (zstd barely compresses it).
        let count = 256, imageSize = 256 * 1024
        let images = (0 ..< count).map { index in
            randomBytes(imageSize, seed: UInt64(index)).enumerated().map { UInt8(truncatingIfNeeded: ($0.offset % 768) / 3 + Int($0.element & 15)) }
        }
        let writeStart = Date()
        let writer = try ShardWriter(directory: directory, maxBytesPerShard: 32 << 20)
        for (index, image) in images.enumerated() { try writer.append(key: "k\(index)", members: [("ppm", image), ("cls", [0x31])]) }
        let shards = try writer.finish()
        let writeSeconds = Date().timeIntervalSince(writeStart)
        let readStart = Date()
        var bytes = 0
        for shard in shards { try ShardReader(path: directory + "/" + shard.file, expected: shard).forEachSample { bytes += $0["ppm"]!.count } }
        let readSeconds = Date().timeIntervalSince(readStart)
        let raw = Double(count * imageSize) / 1e6
        let compressed = Double(shards.reduce(0) { $0 + $1.bytes }) / 1e6
        print(String(format: "shards: %.0f MB raw -> %.0f MB; write (tar+zstd-3+sha256+fsync) %.0f MB/s, read (zstd+tar+sha256) %.0f MB/s raw",
                     raw, compressed, raw / writeSeconds, raw / readSeconds))
        XCTAssertEqual(bytes, count * imageSize)
    }
}
