/// How an epoch is cut into steps and spread over ranks. Every step consumes `globalBatch` consecutive epoch
/// positions; rank r takes the r-th slice of `perRankBatch`. An epoch has ceil(samples / globalBatch) steps on
/// every rank; positions past the last sample wrap to the start of the order (as PyTorch's DistributedSampler
/// pads), so no rank waits for another. Because positions depend only on the global batch, a run resumed on a
/// different number of ranks continues with exactly the samples an uninterrupted run would have seen.
public struct StreamLayout: Equatable, Sendable, Codable {
    public let globalBatch: Int
    public let worldSize: Int
    public let rank: Int

    /// Throws when the global batch does not split evenly over the ranks.
    public init(globalBatch: Int, worldSize: Int, rank: Int) throws {
        guard worldSize >= 1, rank >= 0, rank < worldSize else {
            throw StreamError.invalidLayout("rank \(rank) is not in a world of \(worldSize)")
        }
        guard globalBatch >= 1, globalBatch % worldSize == 0 else {
            throw StreamError.invalidLayout("the global batch \(globalBatch) does not split evenly over \(worldSize) ranks; "
                                            + "choose a global batch that is a multiple of the number of ranks")
        }
        self.globalBatch = globalBatch
        self.worldSize = worldSize
        self.rank = rank
    }

    public var perRankBatch: Int { globalBatch / worldSize }

    /// Steps in an epoch of `samples` samples.
    public func steps(samples: Int) -> Int { samples == 0 ? 0 : (samples + globalBatch - 1) / globalBatch }

    /// The epoch positions this rank consumes at `step`.
    public func positions(step: Int) -> Range<Int> {
        let first = step * globalBatch + rank * perRankBatch
        return first..<(first + perRankBatch)
    }
}

/// Where a stream stands: the next step to produce. Saved in checkpoints; the same on every rank.
public struct StreamPosition: Equatable, Sendable, Codable {
    public var epoch: Int
    public var step: Int

    public init(epoch: Int, step: Int) {
        self.epoch = epoch
        self.step = step
    }
}

/// Problems the sample stream reports.
public enum StreamError: Error, CustomStringConvertible, Equatable {
    case invalidLayout(String)
    case emptySplit(dataset: String, split: String)
    case transformFailed(file: String, key: String, message: String)

    public var description: String {
        switch self {
        case let .invalidLayout(message): return "sample stream: \(message)"
        case let .emptySplit(dataset, split): return "\(dataset): split '\(split)' has no samples"
        case let .transformFailed(file, key, message): return "\(file): sample '\(key)': \(message)"
        }
    }
}
