import Foundation
import Shards
import XCTest

final class TarTests: XCTestCase {
    func testHeaderLayout() throws {
        let tar = try makeTar([("k0.cls", Array("7".utf8))])
        XCTAssertEqual(tar.count, 512 + 512 + 1024)
        let header = Array(tar[..<512])
        XCTAssertEqual(Array(header[0 ..< 7]), Array("k0.cls\0".utf8))
        XCTAssertEqual(String(decoding: header[124 ..< 136], as: UTF8.self), "00000000001\0")
        XCTAssertEqual(header[156], UInt8(ascii: "0"))
        XCTAssertEqual(Array(header[257 ..< 265]), Array("ustar\u{0}00".utf8))
        // Checksum: the byte sum with the checksum field read as spaces, as 6 octal digits, NUL, space.
        let sum = header.enumerated().reduce(0) { $0 + (148 ..< 156 ~= $1.offset ? 32 : Int($1.element)) }
        let octal = String(sum, radix: 8)
        XCTAssertEqual(String(decoding: header[148 ..< 156], as: UTF8.self), String(repeating: "0", count: 6 - octal.count) + octal + "\0 ")
        XCTAssertEqual(tar[512], UInt8(ascii: "7"))
        XCTAssertTrue(tar[513...].allSatisfy { $0 == 0 })
    }

    func testReaderRoundTripsMembersIncludingLongNamesViaPrefix() throws {
        let longDirectory = String(repeating: "d", count: 120)
        let longName = longDirectory + "/" + String(repeating: "f", count: 90) + ".bin"
        let members: [(String, [UInt8])] = [("a.txt", []), ("b.bin", randomBytes(513, seed: 1)), (longName, randomBytes(1024, seed: 2))]
        let tar = try makeTar(members)
        XCTAssertEqual(Array(tar[2048 + 345 ..< 2048 + 345 + 120]), Array(longDirectory.utf8), "directory goes to the prefix field")

        let reader = TarReader(source: MemorySource(tar, chunk: 100))
        var read: [(String, [UInt8])] = []
        while let member = try reader.nextMember() { read.append((member.name, try reader.readContents())) }
        XCTAssertEqual(read.map(\.0), members.map(\.0))
        XCTAssertEqual(read.map(\.1), members.map(\.1))
        XCTAssertEqual(reader.offset, UInt64(tar.count - 512), "reading stops after the first end-of-archive block")
    }

    func testUnrepresentableNameIsRejected() {
        let name = String(repeating: "x", count: 101)
        XCTAssertFalse(TarWriter.canRepresent(name: name))
        XCTAssertTrue(TarWriter.canRepresent(name: String(repeating: "x", count: 100)))
        XCTAssertThrowsError(try makeTar([(name, [])])) { error in
            XCTAssertEqual(error as? ShardError, .invalidMember(
                file: "memory", member: name, reason: "name does not fit a ustar header (100 bytes, or 155 + 100 split at '/')"))
        }
    }

    func testSystemTarListsAndExtractsOurShardInOrder() throws {
        let directory = try makeTemporaryDirectory(self)
        let writer = try ShardWriter(directory: directory, split: "train")
        let samples = (0 ..< 5).map { index in (key: "sample\(index)", jpg: randomBytes(700 + index, seed: UInt64(index)), cls: Array("\(index)".utf8)) }
        for sample in samples { try writer.append(key: sample.key, members: [("jpg", sample.jpg), ("cls", sample.cls)]) }
        _ = try writer.finish()

        let listing = try runTool("/usr/bin/tar", ["--zstd", "-tf", directory + "/train-000000.tar.zst"])
        XCTAssertEqual(listing.split(separator: "\n").map(String.init), samples.flatMap { [$0.key + ".jpg", $0.key + ".cls"] })

        let extracted = directory + "/extracted"
        try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: false)
        _ = try runTool("/usr/bin/tar", ["--zstd", "-xf", directory + "/train-000000.tar.zst", "-C", extracted])
        for sample in samples {
            XCTAssertEqual(try readFile(extracted + "/\(sample.key).jpg"), sample.jpg)
            XCTAssertEqual(try readFile(extracted + "/\(sample.key).cls"), sample.cls)
        }
    }

    func testSystemTarListsLongNamesFromThePrefixField() throws {
        let directory = try makeTemporaryDirectory(self)
        let longName = String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 90) + ".bin"
        try writeCompressed(try makeTar([(longName, [1, 2, 3])]), to: directory + "/long.tar.zst")
        XCTAssertEqual(try runTool("/usr/bin/tar", ["--zstd", "-tf", directory + "/long.tar.zst"]), longName + "\n")
    }

    func testShardMadeBySystemTarReadsCorrectly() throws {
        let directory = try makeTemporaryDirectory(self)
        let files = directory + "/files"
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: false)
        let expected = (0 ..< 4).map { index in
            ShardSample(key: "img\(index)", members: ["png": randomBytes(3000 * index + 17, seed: UInt64(index)), "cls": Array("\(index % 2)".utf8)])
        }
        var names: [String] = []
        for sample in expected {
            for (ext, contents) in sample.members.sorted(by: { $0.key < $1.key }) {
                try writeFile(files + "/\(sample.key).\(ext)", contents)
                names.append("\(sample.key).\(ext)")
            }
        }
        let shard = directory + "/train-000000.tar.zst"
        _ = try runTool("/usr/bin/tar", ["--zstd", "-cf", shard, "-C", files] + names)

        let reader = try ShardReader(path: shard, expected: try shardInfo(of: shard, samples: 4))
        XCTAssertEqual(try readAll(reader), expected)
        XCTAssertEqual(reader.samplesRead, 4)
    }

    func testSystemTarDirectoryEntriesAndDotSlashNamesAreAccepted() throws {
        let directory = try makeTemporaryDirectory(self)
        let files = directory + "/files"
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: false)
        try writeFile(files + "/a.cls", Array("3".utf8))
        let shard = directory + "/dir.tar.zst"
        _ = try runTool("/usr/bin/tar", ["--zstd", "-cf", shard, "-C", files, "."])
        XCTAssertEqual(try readAll(try ShardReader(path: shard)), [ShardSample(key: "a", members: ["cls": Array("3".utf8)])])
    }
}
