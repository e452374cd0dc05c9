import Checksum
import Foundation
import Shards
import TestSupport
import XCTest

/// A fresh temporary directory, removed by `XCTestCase.addTeardownBlock`.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("shards-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
}

/// A `ByteSink` collecting bytes in memory.
final class MemorySink: ByteSink {
    let path: String
    var bytes: [UInt8] = []
    init(path: String = "memory") { self.path = path }
    func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
}

/// A `ByteSource` over bytes in memory, returning at most `chunk` bytes per read.
final class MemorySource: ByteSource {
    let path: String
    private let bytes: [UInt8]
    private let chunk: Int
    private var position = 0
    init(_ bytes: [UInt8], path: String = "memory", chunk: Int = 1 << 20) {
        self.bytes = bytes
        self.path = path
        self.chunk = chunk
    }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, chunk, bytes.count - position)
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: count) }
        position += count
        return count
    }
}

/// Deterministic pseudo-random bytes.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0 ..< count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Compresses `bytes` (e.g. a hand-made tar stream) into the file `path` with our compressor.
func writeCompressed(_ bytes: [UInt8], to path: String) throws {
    let file = try OutputFile(creating: path)
    let compressor = try ZstdCompressor(output: file)
    try bytes.withUnsafeBytes { try compressor.write($0) }
    try compressor.finish()
    try file.syncAndClose()
}

/// A tar stream of `(name, contents)` members made by our `TarWriter`, optionally without the end-of-archive blocks.
func makeTar(_ members: [(String, [UInt8])], finished: Bool = true) throws -> [UInt8] {
    let sink = MemorySink()
    let tar = TarWriter(sink: sink)
    for (name, contents) in members { try contents.withUnsafeBytes { try tar.append(name: name, contents: $0) } }
    if finished { try tar.finish() }
    return sink.bytes
}

/// The record of a shard file as dataset.json would hold it.
func shardInfo(of path: String, samples: Int) throws -> ShardInfo {
    let bytes = try readFile(path)
    return ShardInfo(file: (path as NSString).lastPathComponent, samples: samples, bytes: bytes.count, sha256: SHA256.hash(bytes).hex)
}

/// All samples of a shard, in order.
func readAll(_ reader: ShardReader) throws -> [ShardSample] {
    var samples: [ShardSample] = []
    try reader.forEachSample { samples.append($0) }
    return samples
}

/// Runs `tool` with `arguments`; returns stdout. Skips the test (fails it under CI=true) if the tool is missing or
/// lacks zstd support.
func runTool(_ tool: String, _ arguments: [String], in directory: String? = nil) throws -> String {
    try TestTools.requireExecutable(tool, "apt-get install zstd tar")
    let result = try TestTools.run(URL(fileURLWithPath: tool), arguments, in: directory)
    if result.errors.contains("zstd") && result.errors.contains("not found") { throw TestTools.missing("\(tool) cannot run zstd: \(result.errors)") }
    XCTAssertEqual(result.status, 0, "\(tool) \(arguments.joined(separator: " ")): \(result.errors)")
    return result.text
}

/// Asserts that `body` throws exactly `expected`, and that its message contains each of `fragments`.
func XCTAssertThrowsShardError<T>(
    _ body: @autoclosure () throws -> T, _ expected: ShardError, mentions fragments: [String] = [],
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try body()
        XCTFail("expected \(expected)", file: file, line: line)
    } catch let error as ShardError {
        XCTAssertEqual(error, expected, file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(error.description.contains(fragment), "'\(error)' should mention '\(fragment)'", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}
