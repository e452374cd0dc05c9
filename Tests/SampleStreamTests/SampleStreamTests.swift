import Foundation
import SampleStream
import Shards
import XCTest

final class SampleStreamTests: XCTestCase {
    private var directory: URL!
    private var dataset: Dataset!
    private let sampleCount = 21

    /// 21 samples in shards of 6, 6, 6 and 3, keys s000...s020, each with a .cls member holding its index.
    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spd-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let writer = try ShardWriter(directory: directory.path, split: "train", maxSamplesPerShard: 6)
        for i in 0..<sampleCount { try writer.append(key: String(format: "s%03d", i), members: [(extension: "cls", data: Array("\(i)".utf8))]) }
        let shards = try writer.finish()
        XCTAssertEqual(shards.map(\.samples), [6, 6, 6, 3])
        try DatasetManifest(name: "tiny", task: .classify, classes: (0..<sampleCount).map(String.init), imageSize: .variable,
                            splits: ["train": shards], creator: .init(tool: "test", version: "0")).write(to: directory.appendingPathComponent("dataset.json").path)
        dataset = try Dataset(directory: directory.path)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func stream(world: Int, rank: Int, globalBatch: Int = 6, start: StreamPosition = StreamPosition(epoch: 0, step: 0),
                        window: Int = 5) throws -> SampleStream<UInt64> {
        try SampleStream(dataset: dataset, split: "train", seed: 42, window: window,
                         layout: StreamLayout(globalBatch: globalBatch, worldSize: world, rank: rank), start: start) { context in
            context.random.next()  // stands in for augmentation randomness
        }
    }

    /// Keys and augmentation draws of `steps` steps, ranks of each step concatenated in rank order.
    private func record(world: Int, steps: Int, start: StreamPosition = StreamPosition(epoch: 0, step: 0), globalBatch: Int = 6) throws -> [(String, UInt64)] {
        let streams = try (0..<world).map { try stream(world: world, rank: $0, globalBatch: globalBatch, start: start) }
        defer { streams.forEach { $0.stop() } }
        var out: [(String, UInt64)] = []
        for _ in 0..<steps {
            for s in streams {
                let batch = try s.next()
                out += zip(batch.keys, batch.examples).map { ($0, $1) }
            }
        }
        return out
    }

    func testEpochOrderIsAWindowedPermutation() {
        let order = EpochOrder(shardCounts: [6, 0, 6, 6, 3], seed: 42, epoch: 3, window: 5)
        let virtual = (0..<order.count).map { order.virtualIndex(ofOrderIndex: $0) }
        XCTAssertEqual(order.count, 21)
        XCTAssertEqual(virtual.sorted(), Array(0..<21))
        for (g, v) in virtual.enumerated() { XCTAssertEqual(g / 5, v / 5, "order index \(g) left its window") }
        XCTAssertNotEqual(virtual, Array(0..<21), "the window shuffle did nothing")
        XCTAssertEqual(Set(order.shardOrder), Set(0..<5))
        // Every virtual index maps to a real sample of a non-empty shard, each exactly once.
        let locations = (0..<21).map { order.location(ofVirtualIndex: $0) }
        XCTAssertEqual(Set(locations.map { "\($0.shard)/\($0.sample)" }).count, 21)
        XCTAssertFalse(locations.contains { $0.shard == 1 })
        let again = EpochOrder(shardCounts: [6, 0, 6, 6, 3], seed: 42, epoch: 3, window: 5)
        XCTAssertEqual((0..<21).map { again.virtualIndex(ofOrderIndex: $0) }, virtual, "not a pure function of (seed, epoch)")
        let next = EpochOrder(shardCounts: [6, 0, 6, 6, 3], seed: 42, epoch: 4, window: 5)
        XCTAssertNotEqual((0..<21).map { next.virtualIndex(ofOrderIndex: $0) }, virtual, "epochs share one order")
    }

    func testOneEpochSeesEverySampleOnceThenPadsFromTheStart() throws {
        let s = try stream(world: 1, rank: 0)
        defer { s.stop() }
        XCTAssertEqual(s.stepsPerEpoch, 4)
        var keys: [String] = []
        for step in 0..<4 {
            let batch = try s.next()
            XCTAssertEqual(batch.epoch, 0)
            XCTAssertEqual(batch.step, step)
            keys += batch.keys
        }
        XCTAssertEqual(Set(keys.prefix(21)).count, 21)
        XCTAssertEqual(Array(keys.suffix(3)), Array(keys.prefix(3)), "the last step pads with the first samples of the order")
        XCTAssertEqual(try s.next().epoch, 1)
    }

    /// Ranks take disjoint slices: together they see exactly what one rank with the whole global batch sees,
    /// with the same augmentation randomness.
    func testRanksSplitTheGlobalOrder() throws {
        let single = try record(world: 1, steps: 6)
        for world in [2, 3] {
            let split = try record(world: world, steps: 6)
            XCTAssertEqual(split.map(\.0), single.map(\.0), "world \(world)")
            XCTAssertEqual(split.map(\.1), single.map(\.1), "world \(world): augmentation draws depend on the rank")
        }
    }

    func testResumeContinuesExactly() throws {
        let uninterrupted = try record(world: 2, steps: 7)
        let first = try record(world: 2, steps: 3)
        let resumed = try record(world: 2, steps: 4, start: StreamPosition(epoch: 0, step: 3))
        XCTAssertEqual((first + resumed).map(\.0), uninterrupted.map(\.0))
        XCTAssertEqual((first + resumed).map(\.1), uninterrupted.map(\.1))
    }

    /// Interrupted on 2 ranks, resumed on 3 (and 1): the epoch neither repeats nor skips a sample.
    func testElasticResumeNeitherRepeatsNorSkips() throws {
        let reference = try record(world: 1, steps: 4).map(\.0)
        for resumeWorld in [3, 1] {
            let before = try record(world: 2, steps: 2).map(\.0)
            let after = try record(world: resumeWorld, steps: 2, start: StreamPosition(epoch: 0, step: 2)).map(\.0)
            XCTAssertEqual(before + after, reference, "2 -> \(resumeWorld) ranks")
            XCTAssertEqual(Set((before + after).prefix(21)).count, 21)
        }
    }

    func testBadLayoutAndEmptySplitAreClearErrors() throws {
        XCTAssertThrowsError(try StreamLayout(globalBatch: 8, worldSize: 3, rank: 0)) {
            XCTAssertEqual("\($0)", "sample stream: the global batch 8 does not split evenly over 3 ranks; choose a global batch that is a multiple of the number of ranks")
        }
        XCTAssertThrowsError(try StreamLayout(globalBatch: 8, worldSize: 2, rank: 2)) { XCTAssertEqual("\($0)", "sample stream: rank 2 is not in a world of 2") }
        XCTAssertThrowsError(try SampleStream<Int>(dataset: dataset, split: "val", seed: 1, window: 4,
                                                   layout: StreamLayout(globalBatch: 2, worldSize: 1, rank: 0),
                                                   start: StreamPosition(epoch: 0, step: 0)) { _ in 0 }) { error in
            XCTAssertTrue("\(error)".contains("val"), "\(error)")
        }
    }

    func testTransformErrorNamesShardAndKey() throws {
        let s = try SampleStream<Int>(dataset: dataset, split: "train", seed: 1, window: 4, layout: StreamLayout(globalBatch: 2, worldSize: 1, rank: 0),
                                      start: StreamPosition(epoch: 0, step: 0)) { context in
            struct Broken: Error, CustomStringConvertible { var description: String { "cannot decode" } }
            throw Broken()
        }
        defer { s.stop() }
        XCTAssertThrowsError(try s.next()) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("train-0000") && message.contains(".tar.zst: sample 's0") && message.hasSuffix(": cannot decode"), message)
        }
    }

    func testTruncatedShardIsReportedByTheStream() throws {
        let shard = directory.appendingPathComponent("train-000001.tar.zst")
        let data = try Data(contentsOf: shard)
        try data.prefix(data.count - 40).write(to: shard)
        let s = try stream(world: 1, rank: 0, window: 21)
        defer { s.stop() }
        XCTAssertThrowsError(try s.next()) { error in XCTAssertTrue("\(error)".contains("train-000001.tar.zst"), "\(error)") }
    }

    /// --skip-bad: a sample whose transform fails is left out and reported with its shard and key; the rest of the
    /// batch is kept.
    func testSkipBadLeavesOutFailingSamples() throws {
        let s = try SampleStream<String>(dataset: dataset, split: "train", seed: 3, window: 21, layout: StreamLayout(globalBatch: 21, worldSize: 1, rank: 0),
                                         start: StreamPosition(epoch: 0, step: 0), skipBad: true) { context in
            struct Unreadable: Error, CustomStringConvertible { var description: String { "image does not decode" } }
            if ["s003", "s017"].contains(context.sample.key) { throw Unreadable() }
            return context.sample.key
        }
        defer { s.stop() }
        let batch = try s.next()
        XCTAssertEqual(batch.examples.count, 19)
        XCTAssertEqual(Set(batch.keys), Set((0..<21).map { String(format: "s%03d", $0) }).subtracting(["s003", "s017"]))
        XCTAssertEqual(Set(batch.skipped.compactMap(\.key)), ["s003", "s017"])
        for bad in batch.skipped {
            XCTAssertTrue(bad.message.contains(".tar.zst: sample '\(bad.key!)': image does not decode"), bad.message)
        }
    }

    /// --skip-bad: a truncated shard is reported once (naming the file) and its unread samples are left out; the
    /// other shards' samples all arrive.
    func testSkipBadLeavesOutTheRestOfATruncatedShard() throws {
        let shard = directory.appendingPathComponent("train-000001.tar.zst")
        let data = try Data(contentsOf: shard)
        try data.prefix(data.count / 3).write(to: shard)
        let s = try SampleStream<String>(dataset: dataset, split: "train", seed: 3, window: 21, layout: StreamLayout(globalBatch: 21, worldSize: 1, rank: 0),
                                         start: StreamPosition(epoch: 0, step: 0), skipBad: true) { $0.sample.key }
        defer { s.stop() }
        let batch = try s.next()
        let damaged = Set((6..<12).map { String(format: "s%03d", $0) })
        XCTAssertEqual(batch.skipped.count, 1)
        XCTAssertNil(batch.skipped.first?.key)
        XCTAssertTrue(batch.skipped.first!.message.contains("train-000001.tar.zst"), batch.skipped.first!.message)
        XCTAssertTrue(Set(batch.keys).isSuperset(of: Set((0..<21).map { String(format: "s%03d", $0) }).subtracting(damaged)))
        XCTAssertLessThan(batch.keys.count, 21)
        // Without --skip-bad the same shard stops the stream.
        let strict = try stream(world: 1, rank: 0, window: 21)
        defer { strict.stop() }
        XCTAssertThrowsError(try strict.next())
    }

    /// A sample order file replays its keys: 2 ranks of a global batch of 6 take the listed keys step by step, each
    /// epoch its own list, across shards and without a window.
    func testFixedSampleOrderIsReplayedAcrossRanksAndEpochs() throws {
        let first = (0..<sampleCount).map { String(format: "s%03d", ($0 * 8) % sampleCount) }
        let second = Array(first.reversed())
        let path = directory.appendingPathComponent("order.json").path
        try JSONSerialization.data(withJSONObject: ["epochs": [first, second]]).write(to: URL(fileURLWithPath: path))
        let order = try SampleOrderFile(path: path, dataset: dataset, split: "train")
        XCTAssertEqual(order.epochs.count, 2)
        let streams = try (0..<2).map { rank in
            try SampleStream(dataset: dataset, split: "train", seed: 42, window: 5, layout: StreamLayout(globalBatch: 6, worldSize: 2, rank: rank),
                             start: StreamPosition(epoch: 0, step: 0), fixedOrder: order) { context in context.random.next() }
        }
        defer { streams.forEach { $0.stop() } }
        var seen: [String] = []
        for _ in 0..<8 { for s in streams { seen += try s.next().keys } }
        // 21 samples in steps of 6: 4 steps per epoch, the last wrapping to the start of its epoch's order.
        XCTAssertEqual(Array(seen[0..<24]), first + Array(first[0..<3]))
        XCTAssertEqual(Array(seen[24..<48]), second + Array(second[0..<3]))
    }

    /// Every way a sample order file can be wrong is an error naming the file and the problem.
    func testBadSampleOrderFilesAreErrorsNamingTheFile() throws {
        let keys = (0..<sampleCount).map { String(format: "s%03d", $0) }
        let cases: [(Any, String)] = [
            (["epochs": [Array(keys.dropLast())]], "epoch 1 lists 20 of the split's 21 samples"),
            (["epochs": [keys + ["s000"]]], "epoch 1: 's000' is listed twice"),
            (["epochs": [keys, Array(keys.dropLast()) + ["nope"]]], "epoch 2: 'nope' is not a sample of"),
            (["epochs": [[1, 2]]], "epoch 1 is not a list of sample keys"),
            (["order": [keys]], "expected a JSON object"),
        ]
        for (index, (content, message)) in cases.enumerated() {
            let path = directory.appendingPathComponent("bad\(index).json").path
            try JSONSerialization.data(withJSONObject: content).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try SampleOrderFile(path: path, dataset: dataset, split: "train")) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(path): ") && "\(error)".contains(message), "\(error)")
            }
        }
        let missing = directory.appendingPathComponent("missing.json").path
        XCTAssertThrowsError(try SampleOrderFile(path: missing, dataset: dataset, split: "train")) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(missing): cannot read"), "\(error)")
        }
    }
}
