/// How a converter writes its shards and reports progress.
public struct ConversionOptions: Sendable {
    /// Samples per shard (a shard also closes before its tar stream passes `maxBytesPerShard`).
    public var samplesPerShard: Int
    /// Uncompressed tar bytes per shard at most.
    public var maxBytesPerShard: Int
    /// zstd compression level.
    public var zstdLevel: Int
    /// Seed of deterministic choices (validation split by `--val-fraction`, synthetic content).
    public var seed: UInt64
    /// Receives progress and summary lines (counts of skipped or repaired input).
    public var log: @Sendable (String) -> Void
    /// Seconds between two progress lines.
    public var progressInterval: Double

    public init(
        samplesPerShard: Int = 10_000, maxBytesPerShard: Int = 512 << 20, zstdLevel: Int = 3, seed: UInt64 = 0,
        progressInterval: Double = 5, log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.samplesPerShard = samplesPerShard
        self.maxBytesPerShard = maxBytesPerShard
        self.zstdLevel = zstdLevel
        self.seed = seed
        self.progressInterval = progressInterval
        self.log = log
    }

    /// Checks the option values, naming the command-line option that is wrong.
    func validated() throws -> ConversionOptions {
        guard samplesPerShard > 0 else { throw DatasetError.badOption(name: "shard-size", problem: "\(samplesPerShard) is not positive") }
        guard (-7 ... 22).contains(zstdLevel) else { throw DatasetError.badOption(name: "zstd-level", problem: "\(zstdLevel) is not in -7...22") }
        return self
    }
}
