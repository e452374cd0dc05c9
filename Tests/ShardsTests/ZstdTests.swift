import Foundation
import Shards
import XCTest

final class ZstdTests: XCTestCase {
    private func compress(_ bytes: [UInt8], level: Int = 3, workers: Int = 0) throws -> [UInt8] {
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

    /// Regression: a frame whose end fills the decoder's output buffer exactly must not read as truncated.
    func testFrameEndingExactlyAtAnOutputBufferBoundary() throws {
        for blocks in [1, 3] {
            let data = randomBytes(blocks * 131_072, seed: 9).enumerated().map { $0.offset & 4096 == 0 ? $0.element : 0x61 + $0.element & 15 }
            XCTAssertEqual(try decompress(try compress(data), readSize: 1 << 17), data, "\(blocks) x 128 KiB")
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

    /// Prints in-memory compression and decompression throughput; runs only with SPD_BENCH=1.
    func testThroughput() throws {
        guard ProcessInfo.processInfo.environment["SPD_BENCH"] == "1" else {
            throw XCTSkip("set SPD_BENCH=1 (and build with -c release) to measure zstd throughput")
        }
        // Alternating 4 KiB blocks of random bytes and of random letters from a 16-letter alphabet (ratio about 1.2).
        let data = randomBytes(64 << 20, seed: 5).enumerated().map { $0.offset & 4096 == 0 ? $0.element : 0x61 + $0.element & 15 }
        for workers in [0, 2] {
            var start = Date()
            let compressed = try compress(data, workers: workers)
            let compressSeconds = Date().timeIntervalSince(start)
            start = Date()
            let decompressed = try decompress(compressed, readSize: 1 << 17)
            let decompressSeconds = Date().timeIntervalSince(start)
            XCTAssertEqual(decompressed.count, data.count)
            let megabytes = Double(data.count) / 1e6
            print(String(format: "zstd -3, %d workers: %.0f MB, ratio %.2f; compress %.0f MB/s, decompress %.0f MB/s",
                         workers, megabytes, Double(data.count) / Double(compressed.count), megabytes / compressSeconds, megabytes / decompressSeconds))
        }
    }
}
