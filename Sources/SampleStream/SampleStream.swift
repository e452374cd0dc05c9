import Foundation
import Shards
import Support

/// What a transform gets for one sample: the raw sample, where it stands in the epoch, a random generator that
/// depends only on (seed, epoch, position) and not on the rank, and the other samples of its window (mosaic
/// partners come from there).
public struct SampleContext {
    public let sample: ShardSample
    /// The shard file the sample came from (for error messages).
    public let file: String
    public let epoch: Int
    /// Epoch position (step * globalBatch + offset); positions past the epoch's samples are wrapped repeats.
    public let position: Int
    public var random: SeededGenerator
    /// The raw samples of the window holding this sample.
    public let window: [ShardSample]

    /// A uniformly chosen sample of the same window (for mosaic and mixup).
    public mutating func randomPartner() -> ShardSample {
        window[Int(random.next() % UInt64(window.count))]
    }
}

/// A sample (or the rest of a shard, when `key` is nil) left out because it could not be read or transformed.
public struct BadSample: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let key: String?
    /// One line naming the shard file (and the sample key) and the problem.
    public let message: String
    public var description: String { message }
}

/// One step's worth of examples for this rank.
public struct StreamBatch<Example> {
    public let epoch: Int
    public let step: Int
    public let stepsInEpoch: Int
    public let examples: [Example]
    public let keys: [String]
    /// Samples of this step left out with `skipBad` (the batch is that much smaller).
    public var skipped: [BadSample] = []
    /// The position after this batch: where a checkpoint taken after training on it resumes.
    public var next: StreamPosition {
        step + 1 < stepsInEpoch ? StreamPosition(epoch: epoch, step: step + 1) : StreamPosition(epoch: epoch + 1, step: 0)
    }
}

/// The per-rank sample stream: a background thread reads the rank's samples in epoch order, runs the
/// transform (decode, augment) on each, and queues whole batches (at most `prefetch` ahead). Deterministic from
/// (dataset, seed, epoch); disjoint across ranks; resumable at any step boundary on any number of ranks with the
/// same global batch. Epochs follow one another until `stop()`.
public final class SampleStream<Example>: @unchecked Sendable {
    public let layout: StreamLayout
    private let dataset: Dataset
    private let split: String
    private let shards: [ShardInfo]
    private let seed: UInt64
    private let window: Int
    private let transform: (inout SampleContext) throws -> Example
    private let prefetch: Int
    private let skipBad: Bool
    private let fixedOrder: SampleOrderFile?
    private let condition = NSCondition()
    private var queue: [Result<StreamBatch<Example>, Error>] = []
    private var stopped = false
    private var thread: Thread?
    private var position: StreamPosition
    /// Seconds the consumer spent waiting for batches (the training loop's data-wait time).
    public private(set) var waitSeconds = 0.0

    /// With `skipBad`, samples that fail to decode or transform, and shards that fail to read, are left out and
    /// reported in `StreamBatch.skipped` instead of ending the stream. With `fixedOrder`, epoch e takes the order's
    /// epoch e (the caller checks it covers every epoch of the run) instead of the seeded shuffle.
    public init(dataset: Dataset, split: String, seed: UInt64, window: Int, layout: StreamLayout, start: StreamPosition,
                prefetch: Int = 2, skipBad: Bool = false, fixedOrder: SampleOrderFile? = nil,
                transform: @escaping (inout SampleContext) throws -> Example) throws {
        self.dataset = dataset
        self.split = split
        self.shards = try dataset.shards(split: split)
        self.seed = seed
        self.window = window
        self.layout = layout
        self.transform = transform
        self.prefetch = max(prefetch, 1)
        self.skipBad = skipBad
        self.fixedOrder = fixedOrder
        position = start
        guard shards.reduce(0, { $0 + $1.samples }) > 0 else { throw StreamError.emptySplit(dataset: dataset.directory, split: split) }
    }

    deinit { stop() }

    /// Samples in one epoch and steps per epoch.
    public var samplesPerEpoch: Int { shards.reduce(0) { $0 + $1.samples } }
    public var stepsPerEpoch: Int { layout.steps(samples: samplesPerEpoch) }

    /// The next batch, waiting for the background thread if needed; rethrows its errors.
    public func next() throws -> StreamBatch<Example> {
        if thread == nil { startThread() }
        let start = monotonicSeconds()
        condition.lock()
        while queue.isEmpty { condition.wait() }
        let result = queue.removeFirst()
        condition.signal()
        condition.unlock()
        waitSeconds += monotonicSeconds() - start
        return try result.get()
    }

    /// Stops the background thread (it finishes the batch in hand).
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func startThread() {
        let thread = Thread { [self] in produce() }
        thread.name = "spd-sample-stream"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    private func produce() {
        let counts = shards.map(\.samples)
        func epochOrder(_ epoch: Int) -> EpochOrder {
            guard let fixedOrder else { return EpochOrder(shardCounts: counts, seed: seed, epoch: epoch, window: window) }
            return EpochOrder(shardCounts: counts, fixed: fixedOrder.epochs[epoch % fixedOrder.epochs.count], epoch: epoch)
        }
        var order = epochOrder(position.epoch)
        let reader = WindowReader(dataset: dataset, shards: shards, order: order, skipBad: skipBad)
        while true {
            condition.lock()
            while queue.count >= prefetch && !stopped { condition.wait() }
            let done = stopped
            condition.unlock()
            if done { return }
            if order.epoch != position.epoch {
                order = epochOrder(position.epoch)
                reader.reset(to: order)
            }
            let result = Result { try batch(at: position, order: order, reader: reader) }
            condition.lock()
            queue.append(result)
            condition.signal()
            condition.unlock()
            if case .failure = result { return }
            position = try! result.get().next
        }
    }

    /// Builds this rank's batch for one step.
    private func batch(at position: StreamPosition, order: EpochOrder, reader: WindowReader) throws -> StreamBatch<Example> {
        var examples: [Example] = [], keys: [String] = [], skipped: [BadSample] = []
        examples.reserveCapacity(layout.perRankBatch)
        for p in layout.positions(step: position.step) {
            let g = p % order.count
            let v = order.virtualIndex(ofOrderIndex: g)
            let w = g / order.window
            let windowSamples = try reader.samples(ofWindow: w)
            skipped += reader.takeFailures()
            guard let sample = windowSamples[v - w * order.window] else { continue }
            let location = order.location(ofVirtualIndex: v)
            let file = dataset.path(of: shards[location.shard])
            var context = SampleContext(sample: sample, file: file, epoch: position.epoch, position: p,
                                        random: SeededGenerator(seed: deriveSeed(seed, UInt64(position.epoch), 0x5341_4D50_4C45, UInt64(p))),
                                        window: skipBad ? windowSamples.compactMap { $0 } : windowSamples.map { $0! })
            do {
                examples.append(try transform(&context))
                keys.append(sample.key)
            } catch {
                let failure = error as? StreamError ?? StreamError.transformFailed(file: file, key: sample.key, message: "\(error)")
                guard skipBad else { throw failure }
                skipped.append(BadSample(file: file, key: sample.key, message: "\(failure)"))
            }
        }
        var batch = StreamBatch(epoch: position.epoch, step: position.step, stepsInEpoch: layout.steps(samples: order.count), examples: examples, keys: keys)
        batch.skipped = skipped
        return batch
    }
}
