import Foundation
import Shards
import XCTest

final class ZstdTests: XCTestCase {
    private func compress(_ bytes: [UInt8], level: Int32 = 3, workers: Int = 0) throws -> [UInt8] {
        let sink = MemorySink()
        let compressor = try ZstdCompressor(output: sink, level: level, workers: workers)
        // Feed in uneven pieces to exercise buffering.
        var offset = 0, piece = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            try bytes[offset ..< end].withUnsafeBytes { try compressor.write($0) }
            offset = end
            piece = piece * 7 % 100_003 + 1
        }
        try compressor.finish()
        return sink.bytes
    }

    private func decompress(_ bytes: [UInt8], chunk: Int = 1 << 20, readSize: Int = 4096) throws -> [UInt8] {
        let decompressor = try ZstdDecompressor(source: MemorySource(bytes, path: "memory.zst", chunk: chunk))
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: readSize)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try decompressor.read(into: $0) }
            if count == 0 { return output }
            output.append(contentsOf: buffer[..<count])
        }
    }

    /// Mixed compressible and random data, larger than zstd's 128 KiB blocks.
    private let sample: [UInt8] = {
        var bytes = [UInt8](repeating: 0, count: 0)
        for index in 0 ..< 40 {
            bytes += index % 2 == 0 ? randomBytes(30_000, seed: UInt64(index)) : [UInt8](repeating: UInt8(index), count: 50_000)
        }
        return bytes
    }()

    func testRoundTrip() throws {
        let compressed = try compress(sample)
        XCTAssertLessThan(compressed.count, sample.count)
        XCTAssertEqual(try decompress(compressed), sample)
        XCTAssertEqual(try decompress(compressed, chunk: 7, readSize: 513), sample)
    }

    func testMultithreadedCompressionRoundTrips() throws {
        XCTAssertGreaterThan(ZstdCompressor.maxWorkers, 0, "libzstd 1.5 on Debian is built with multithreading")
        let compressed = try compress(sample, level: 5, workers: 2)
        XCTAssertEqual(try decompress(compressed), sample)
    }

    func testSystemZstdDecodesOurFrames() throws {
        let directory = try makeTemporaryDirectory(self)
        try writeCompressed(sample, to: directory + "/sample.zst")
        _ = try runTool("/usr/bin/zstd", ["-q", "-d", "-f", "sample.zst", "-o", "sample"], in: directory)
        XCTAssertEqual(try readFile(directory + "/sample"), sample)
    }

    func testTruncatedFrameIsAnError() throws {
        let compressed = try compress(sample)
        for cut in [1, 4, 100, compressed.count / 2, compressed.count - 1] {
            XCTAssertThrowsShardError(try decompress(Array(compressed[..<cut])), .truncatedFrame(file: "memory.zst", sample: nil),
                                      mentions: ["memory.zst", "truncated zstd frame"])
        }
    }

    func testEmptyInputIsAnEmptyStream() throws {
        XCTAssertEqual(try decompress([]), [])
    }

    func testGarbageIsAZstdError() {
        let garbage = Array("this is not a zstd frame".utf8)
        XCTAssertThrowsShardError(try decompress(garbage),
                                  .zstd(file: "memory.zst", operation: "decompression", reason: "Unknown frame descriptor", sample: nil),
                                  mentions: ["memory.zst: zstd decompression failed: Unknown frame descriptor"])
    }

    func testConcatenatedFramesReadAsOneStream() throws {
        let first = Array("first frame ".utf8), second = Array("second frame".utf8)
        XCTAssertEqual(try decompress(try compress(first) + compress(second)), first + second)
    }
}
