import Foundation
import Shards
import XCTest

/// Every bad shard is reported with the shard file and the sample key or member name.
final class CorruptShardTests: XCTestCase {
    private let small = [UInt8](repeating: 0x41, count: 100)

    func testTruncatedZstdFrameNamesFileAndSample() throws {
        let directory = try makeTemporaryDirectory(self)
        let writer = try ShardWriter(directory: directory)
        try writer.append(key: "k0", members: [("cls", [0x30])])
        try writer.append(key: "k1", members: [("bin", randomBytes(300_000, seed: 3))])
        let shard = try writer.finish()[0]
        let path = directory + "/" + shard.file
        let bytes = try readFile(path)
        try writeFile(path, Array(bytes[..<(bytes.count - 1000)]))

        let reader = try ShardReader(path: path, expected: shard)
        XCTAssertEqual(try reader.next()?.key, "k0")
        XCTAssertThrowsShardError(try reader.next(), .truncatedFrame(file: path, sample: "k1"),
                                  mentions: ["train-000000.tar.zst", "truncated zstd frame", "sample 'k1'"])
    }

    func testCorruptTarHeaderNamesFileOffsetAndMember() throws {
        let directory = try makeTemporaryDirectory(self)
        var tar = try makeTar([("k0.cls", [0x30]), ("k0.bin", small), ("k1.cls", [0x31]), ("k1.bin", small)])
        // k1.cls's header starts at 2048; change its mtime so the header checksum no longer matches.
        tar[2048 + 140] = UInt8(ascii: "7")
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(tar, to: path)
        let sum = tar[2048 ..< 2560].enumerated().reduce(0) { $0 + (148 ..< 156 ~= $1.offset ? 32 : Int($1.element)) }
        XCTAssertThrowsShardError(try ShardReader(path: path).next(),
                                  .corruptTarHeader(file: path, offset: 2048, member: "k1.cls", reason: "checksum mismatch (stored \(sum - 7), computed \(sum))"),
                                  mentions: ["train-000000.tar.zst", "offset 2048", "k1.cls"])
    }

    /// A header claiming an 8 GB member is refused before anything that size is allocated.
    func testOversizedMemberIsRefusedAtItsHeader() throws {
        let directory = try makeTemporaryDirectory(self)
        var tar = try makeTar([("k0.cls", [0x30]), ("k0.bin", small)])
        // k0.bin's header starts at 1024: size field 77777777777 (8 GiB - 1), checksum recomputed.
        let header = 1024
        for (i, byte) in Array("77777777777\0".utf8).enumerated() { tar[header + 124 + i] = byte }
        let sum = tar[header ..< header + 512].enumerated().reduce(0) { $0 + (148 ..< 156 ~= $1.offset ? 32 : Int($1.element)) }
        for (i, byte) in Array(String(format: "%06o\0 ", sum).utf8).enumerated() { tar[header + 148 + i] = byte }
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(tar, to: path)
        XCTAssertThrowsShardError(try ShardReader(path: path).next(), .invalidMember(
            file: path, member: "k0.bin", reason: "its header says 8589934591 bytes, more than the 268435456 a sample member may have"),
                                  mentions: ["train-000000.tar.zst", "k0.bin"])
    }

    func testTruncatedMemberNamesFileAndMember() throws {
        let directory = try makeTemporaryDirectory(self)
        let tar = try makeTar([("k0.cls", [0x30]), ("k1.bin", small)], finished: false)
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(Array(tar[..<(tar.count - 512 + 40)]), to: path)  // k1.bin keeps 40 of its 100 bytes
        let reader = try ShardReader(path: path)
        XCTAssertEqual(try reader.next(), ShardSample(key: "k0", members: ["cls": [0x30]]))
        XCTAssertThrowsShardError(try reader.next(), .truncatedMember(file: path, member: "k1.bin", missingBytes: 60 + 412),
                                  mentions: ["train-000000.tar.zst", "k1.bin"])
    }

    func testTarWithoutEndOfArchiveIsTruncated() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(try makeTar([("k0.cls", [0x30])], finished: false), to: path)
        let reader = try ShardReader(path: path)
        XCTAssertThrowsShardError(try reader.next(), .truncatedArchive(file: path, sample: "k0"), mentions: [path, "sample 'k0'"])
    }

    func testZeroByteShardIsEmpty() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/train-000000.tar.zst"
        try writeFile(path, [])
        XCTAssertThrowsShardError(try ShardReader(path: path), .emptyShard(file: path, expectedSamples: nil),
                                  mentions: ["train-000000.tar.zst: empty shard"])
    }

    func testShardWithoutSamplesIsEmptyWhenTheManifestExpectsSome() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(try makeTar([]), to: path)
        XCTAssertThrowsShardError(try ShardReader(path: path, expected: try shardInfo(of: path, samples: 3)).next(),
                                  .emptyShard(file: path, expectedSamples: 3), mentions: [path, "manifest says 3"])
        XCTAssertThrowsShardError(try ShardReader(path: path).next(), .emptyShard(file: path, expectedSamples: nil))
        XCTAssertNil(try ShardReader(path: path, expected: try shardInfo(of: path, samples: 0)).next())
    }

    func testMemberWithoutExtension() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(try makeTar([("k0.cls", [0x30]), ("k1", small)]), to: path)
        XCTAssertThrowsShardError(try readAll(ShardReader(path: path)), .memberWithoutExtension(file: path, member: "k1"),
                                  mentions: [path, "'k1'"])
    }

    func testMemberWithoutKey() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(try makeTar([(".cls", [0x30])]), to: path)
        XCTAssertThrowsShardError(try ShardReader(path: path).next(), .memberWithoutKey(file: path, member: ".cls"))
    }

    func testDuplicateMemberInOneSample() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(try makeTar([("k0.cls", [0x30]), ("k0.cls", [0x31])]), to: path)
        XCTAssertThrowsShardError(try ShardReader(path: path).next(), .duplicateMember(file: path, member: "k0.cls"))
    }

    func testShaMismatchIsReportedAfterTheLastSample() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(try makeTar([("k0.cls", [0x30]), ("k1.cls", [0x31])]), to: path)
        var record = try shardInfo(of: path, samples: 2)
        let actual = record.sha256
        record.sha256 = String(repeating: "ab", count: 32)
        let reader = try ShardReader(path: path, expected: record)
        XCTAssertEqual(try reader.next()?.key, "k0")
        XCTAssertEqual(try reader.next()?.key, "k1")
        XCTAssertThrowsShardError(try reader.next(), .checksumMismatch(file: path, expected: record.sha256, actual: actual),
                                  mentions: ["\(path): sha256 mismatch (manifest \(record.sha256), file \(actual))"])
    }

    func testSampleCountMismatch() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(try makeTar([("k0.cls", [0x30]), ("k1.cls", [0x31])]), to: path)
        XCTAssertThrowsShardError(try readAll(ShardReader(path: path, expected: try shardInfo(of: path, samples: 3))),
                                  .sampleCountMismatch(file: path, expected: 3, actual: 2), mentions: [path])
    }

    func testMissingShardFileWhenOpenedDirectly() throws {
        let path = try makeTemporaryDirectory(self) + "/train-000009.tar.zst"
        XCTAssertThrowsShardError(try ShardReader(path: path), .system(file: path, operation: "open", code: ENOENT, sample: nil),
                                  mentions: ["\(path): open failed: No such file or directory"])
    }

    func testSymlinkMemberIsUnsupported() throws {
        let directory = try makeTemporaryDirectory(self)
        let files = directory + "/files"
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: false)
        try writeFile(files + "/a.cls", [0x30])
        try FileManager.default.createSymbolicLink(atPath: files + "/b.cls", withDestinationPath: "a.cls")
        let path = directory + "/links.tar.zst"
        _ = try runTool("/usr/bin/tar", ["--zstd", "-cf", path, "-C", files, "a.cls", "b.cls"])
        XCTAssertThrowsShardError(try readAll(ShardReader(path: path)), .unsupportedMember(file: path, member: "b.cls", typeFlag: UInt8(ascii: "2")),
                                  mentions: ["\(path): member 'b.cls' has unsupported tar type '2'"])
    }

    func testSizeMismatchIsReportedWhileReading() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/train-000000.tar.zst"
        try writeCompressed(try makeTar([("k0.cls", [0x30])]), to: path)
        var record = try shardInfo(of: path, samples: 1)
        let actual = record.bytes
        record.bytes += 5
        XCTAssertThrowsShardError(try readAll(ShardReader(path: path, expected: record)),
                                  .sizeMismatch(file: path, expected: actual + 5, actual: actual), mentions: [path])
    }
}
