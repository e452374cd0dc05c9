import Support

/// Sums a gradient arena over the ranks in contiguous buckets, overlapped with backward: `gradientsReady(n)`
/// (called as backward finishes layers) starts a non-blocking all-reduce for every bucket now wholly inside the
/// first n elements and drives progress of those in flight; `finish()` reduces the rest and waits. Every rank
/// reduces the same buckets in the same order. The ranks' losses are shares of the whole batch's (normalised by
/// its counts), so the sum is the whole batch's gradient: nothing is scaled here.
public final class GradientAllreduce {
    public let communicator: Communicator
    public let bucketElements: Int
    private let gradients: UnsafeMutableBufferPointer<Float>
    private var pending: [PendingReduction] = []
    private var nextBucketStart = 0
    /// Seconds spent blocked in `finish()` waiting for reductions (the allreduce-wait time of the step).
    public private(set) var waitSeconds = 0.0
    /// Seconds spent starting reductions and driving their progress during backward.
    public private(set) var overlapSeconds = 0.0

    /// `bucketBytes` of gradients per all-reduce (PyTorch DDP's default is 25 MB).
    public init(communicator: Communicator, gradients: UnsafeMutableBufferPointer<Float>, bucketBytes: Int = 25 << 20) {
        self.communicator = communicator
        self.gradients = gradients
        bucketElements = max(bucketBytes / MemoryLayout<Float>.stride, 1)
    }

    /// Number of buckets the arena is split into.
    public var bucketCount: Int { (gradients.count + bucketElements - 1) / bucketElements }

    /// Starts reductions of every bucket inside the first `ready` elements; tests those in flight.
    public func gradientsReady(_ ready: Int) throws {
        guard communicator.size > 1 else { return }
        let start = monotonicSeconds()
        defer { overlapSeconds += monotonicSeconds() - start }
        while nextBucketStart < gradients.count && min(nextBucketStart + bucketElements, gradients.count) <= ready {
            try startNextBucket()
        }
        for request in pending { _ = try request.test() }
    }

    /// Reduces what is left and waits for every bucket; resets for the next step.
    public func finish() throws {
        guard communicator.size > 1 else { return }
        while nextBucketStart < gradients.count { try startNextBucket() }
        let start = monotonicSeconds()
        for request in pending { try request.wait() }
        waitSeconds += monotonicSeconds() - start
        pending.removeAll(keepingCapacity: true)
        nextBucketStart = 0
    }

    /// Clears the timing counters.
    public func resetTimers() {
        waitSeconds = 0
        overlapSeconds = 0
    }

    private func startNextBucket() throws {
        let end = min(nextBucketStart + bucketElements, gradients.count)
        let slice = UnsafeMutableBufferPointer(rebasing: gradients[nextBucketStart..<end])
        pending.append(try communicator.startAllreduce(slice))
        nextBucketStart = end
    }
}
