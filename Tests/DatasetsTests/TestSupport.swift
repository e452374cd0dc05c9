import Datasets
import Foundation
import Imaging
import Shards
import TestSupport
import XCTest

/// A fresh temporary directory, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("datasets-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func writeText(_ path: String, _ text: String) throws { try writeFile(path, Array(text.utf8)) }

/// An RGB image of `width` x `height` whose pixels vary with position, encoded as PNG (or JPEG).
func encodedImage(width: Int, height: Int, jpeg: Bool = false) throws -> [UInt8] {
    let pixels = (0 ..< width * height * 3).map { UInt8(truncatingIfNeeded: $0 * 7) }
    let image = Image(width: width, height: height, format: .rgb, pixels: pixels)
    return jpeg ? try image.jpegData() : try image.pngData()
}

/// Options that write small shards and collect log lines.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
}

func testOptions(shardSize: Int = 1000, seed: UInt64 = 0, log: LogLines = LogLines()) -> ConversionOptions {
    ConversionOptions(samplesPerShard: shardSize, seed: seed) { log.append($0) }
}

/// Every sample of `split`, read back through the shard reader (which verifies the checksums).
func readSamples(_ directory: String, split: String) throws -> [ShardSample] {
    let dataset = try Dataset(directory: directory)
    var samples: [ShardSample] = []
    for shard in try dataset.shards(split: split) {
        try dataset.openShard(shard).forEachSample { samples.append($0) }
    }
    return samples
}

func detectionLabel(_ sample: ShardSample) throws -> DetectionLabel {
    try DetectionLabel(decoding: XCTUnwrap(sample["json"]), name: sample.key)
}

func classIndex(_ sample: ShardSample) throws -> Int {
    try XCTUnwrap(Int(String(decoding: XCTUnwrap(sample["cls"]), as: UTF8.self)))
}

/// The fixture COCO set `name` in Tests/Fixtures (an error when it is absent).
func sharedFixture(_ name: String) throws -> String {
    try TestFixtures.path(name)
}

/// The Fashion-MNIST directory of Debian's dataset-fashion-mnist (a skip without it, a failure under CI=true).
func fashionMNISTDirectory() throws -> String {
    let directory = "/usr/share/datasets/fashion-mnist"
    guard FileManager.default.fileExists(atPath: directory + "/train-images-idx3-ubyte.gz") else {
        throw TestTools.missing("dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
    }
    return directory
}
