import Support

/// The order of one epoch as a pure function of (shard sample counts, seed, epoch, window): shards are permuted,
/// their samples concatenated into a virtual sequence, and the sequence shuffled within consecutive windows of
/// `window` samples. Order index g lies in window g / window and maps to a virtual index in that same window,
/// so reading the epoch in order reads the shards sequentially, holding one window at a time.
public final class EpochOrder {
    public let shardCounts: [Int]
    public let seed: UInt64
    public let epoch: Int
    public let window: Int
    /// Shard indices (into `shardCounts`) in reading order.
    public let shardOrder: [Int]
    /// Virtual index at which each shard of `shardOrder` starts; one extra entry holds the total.
    private let starts: [Int]
    private var cachedWindow = -1
    private var cachedPermutation: [Int] = []
    /// A given order (virtual indices by order index) instead of the seeded shuffle (`init(shardCounts:fixed:epoch:)`).
    private let fixed: [Int]?

    /// Samples in the epoch.
    public var count: Int { starts.last! }

    public init(shardCounts: [Int], seed: UInt64, epoch: Int, window: Int) {
        self.shardCounts = shardCounts
        self.seed = seed
        self.epoch = epoch
        self.window = max(window, 1)
        var random = SeededGenerator(seed: deriveSeed(seed, UInt64(epoch), 0x5348_4152_4453))  // "SHARDS"
        var order = Array(shardCounts.indices)
        order.shuffle(using: &random)
        shardOrder = order
        var running = 0
        starts = order.map { index in defer { running += shardCounts[index] }; return running } + [order.reduce(0) { $0 + shardCounts[$1] }]
        fixed = nil
    }

    /// A given order: the shards in their dataset order, one window over the whole epoch, and order index g at
    /// virtual index `fixed[g]` (a permutation of 0 ..< the sample count, see `SampleOrderFile`).
    public init(shardCounts: [Int], fixed: [Int], epoch: Int) {
        precondition(fixed.count == shardCounts.reduce(0, +), "a fixed epoch order must cover every sample once")
        self.shardCounts = shardCounts
        seed = 0
        self.epoch = epoch
        window = max(fixed.count, 1)
        shardOrder = Array(shardCounts.indices)
        var running = 0
        starts = shardCounts.map { count in defer { running += count }; return running } + [running]
        self.fixed = fixed
    }

    /// The virtual index (position in the concatenation of permuted shards) of order index `g`.
    public func virtualIndex(ofOrderIndex g: Int) -> Int {
        if let fixed { return fixed[g] }
        let w = g / window, start = w * window
        if w != cachedWindow {
            let size = min(window, count - start)
            var random = SeededGenerator(seed: deriveSeed(seed, UInt64(epoch), 0x5749_4E44_4F57, UInt64(w)))  // "WINDOW"
            cachedPermutation = Array(0..<size)
            cachedPermutation.shuffle(using: &random)
            cachedWindow = w
        }
        return start + cachedPermutation[g - start]
    }

    /// The shard (index into `shardCounts`) and the sample within it at virtual index `v`.
    public func location(ofVirtualIndex v: Int) -> (shard: Int, sample: Int) {
        let k = orderedShard(containing: v)
        return (shardOrder[k], v - starts[k])
    }

    /// The position in `shardOrder` of the shard holding virtual index `v`: the last one starting at or before
    /// v (an empty shard starts where the next one does, so it is never the last).
    public func orderedShard(containing v: Int) -> Int {
        var low = 0, high = shardOrder.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= v { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// The virtual index at which the k-th shard of `shardOrder` starts.
    public func start(ofOrderedShard k: Int) -> Int { starts[k] }
}
