import Shards

/// Reads the windows of an epoch order from the shards, sequentially: one open shard reader moves forward
/// through the permuted shards, so consecutive windows cost one pass over the data. Holds the raw samples
/// (still-encoded members) of the windows in use. With `skipBad`, a shard that fails to read (truncated, corrupt,
/// checksum mismatch) is reported once and its unread samples become nil instead of stopping the stream.
final class WindowReader {
    private let dataset: Dataset
    private let shards: [ShardInfo]
    private let skipBad: Bool
    private(set) var order: EpochOrder
    private var windows: [Int: [ShardSample?]] = [:]
    /// Shards (positions in the order's shard list) that failed this epoch.
    private var badShards: Set<Int> = []
    /// Shard failures not yet handed to the stream.
    private(set) var newFailures: [BadSample] = []
    /// The open shard (position in the order's shard list) and the virtual index of its next sample.
    private var reader: ShardReader?
    private var readerShard = -1
    private var nextVirtualIndex = 0

    init(dataset: Dataset, shards: [ShardInfo], order: EpochOrder, skipBad: Bool) {
        self.dataset = dataset
        self.shards = shards
        self.order = order
        self.skipBad = skipBad
    }

    /// Hands over the shard failures recorded since the last call.
    func takeFailures() -> [BadSample] {
        defer { newFailures.removeAll() }
        return newFailures
    }

    /// Switches to another epoch's order, dropping every window.
    func reset(to order: EpochOrder) {
        self.order = order
        windows.removeAll()
        badShards.removeAll()
        reader = nil
        readerShard = -1
    }

    /// The raw samples of window w (virtual indices w*window ..< (w+1)*window), loading it when needed, and
    /// forgetting windows before `w - 1`.
    func samples(ofWindow w: Int) throws -> [ShardSample?] {
        if let cached = windows[w] { return cached }
        for old in windows.keys where old < w - 1 { windows[old] = nil }
        let first = w * order.window, end = min(first + order.window, order.count)
        var loaded: [ShardSample?] = []
        loaded.reserveCapacity(end - first)
        for v in first..<end { loaded.append(try sampleOrSkip(atVirtualIndex: v)) }
        windows[w] = loaded
        return loaded
    }

    /// The sample, or nil when its shard is (or just turned out to be) bad and bad data is skipped.
    private func sampleOrSkip(atVirtualIndex v: Int) throws -> ShardSample? {
        let k = order.orderedShard(containing: v)
        guard !badShards.contains(k) else { return nil }
        do {
            return try sample(atVirtualIndex: v)
        } catch where skipBad {
            badShards.insert(k)
            reader = nil
            readerShard = -1
            newFailures.append(BadSample(file: dataset.path(of: shards[order.shardOrder[k]]), key: nil, message: "\(error)"))
            return nil
        }
    }

    /// Reads the sample at virtual index v, moving the open reader forward (or reopening a shard and skipping).
    private func sample(atVirtualIndex v: Int) throws -> ShardSample {
        let k = order.orderedShard(containing: v)
        if reader == nil || readerShard != k || nextVirtualIndex > v {
            let info = shards[order.shardOrder[k]]
            reader = try dataset.openShard(info)
            readerShard = k
            nextVirtualIndex = order.start(ofOrderedShard: k)
        }
        if v > nextVirtualIndex {
            try reader!.skip(v - nextVirtualIndex)
            nextVirtualIndex = v
        }
        guard let sample = try reader!.next() else {
            throw ShardError.notEnoughSamples(file: reader!.path, requested: v - order.start(ofOrderedShard: k) + 1,
                                              skipped: v - order.start(ofOrderedShard: k))
        }
        nextVirtualIndex += 1
        if nextVirtualIndex == order.start(ofOrderedShard: k + 1) {
            // Reading the end verifies the shard's size, checksum and sample count.
            _ = try reader!.next()
        }
        return sample
    }
}
