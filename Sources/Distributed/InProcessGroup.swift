import Foundation

/// Ranks as threads of one process, for tests: `communicators[r]` is rank r's endpoint. Collectives meet at a
/// barrier, so every rank must call the same collectives in the same order, as with MPI.
public final class InProcessGroup: @unchecked Sendable {
    public let size: Int
    public private(set) var communicators: [InProcessCommunicator] = []
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    /// Set when a rank's body threw: every rank waiting in (or later entering) a collective fails instead of hanging.
    private var failedRank: Int?
    fileprivate var slots: [UnsafeMutableRawPointer?]
    fileprivate var gathered: [[UInt8]]

    public init(size: Int) {
        self.size = size
        slots = [UnsafeMutableRawPointer?](repeating: nil, count: size)
        gathered = [[UInt8]](repeating: [], count: size)
        communicators = (0..<size).map { InProcessCommunicator(group: self, rank: $0) }
    }

    /// Runs `body(rank's communicator)` on one thread per rank and waits for all; rethrows the first error.
    public func run(_ body: @escaping @Sendable (InProcessCommunicator) throws -> Void) throws {
        let errors = ErrorBox()
        let done = DispatchGroup()
        for communicator in communicators {
            done.enter()
            let thread = Thread {
                do { try body(communicator) } catch {
                    errors.record(error)
                    self.fail(rank: communicator.rank)
                }
                done.leave()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        done.wait()
        if let error = errors.first { throw error }
    }

    private func fail(rank: Int) {
        condition.lock()
        if failedRank == nil { failedRank = rank }
        condition.broadcast()
        condition.unlock()
    }

    /// Stores `rank`'s buffer for a reduction or broadcast (under the lock, as `contribute`).
    fileprivate func publish(_ pointer: UnsafeMutableRawPointer?, rank: Int) {
        condition.lock()
        slots[rank] = pointer
        condition.unlock()
    }

    /// Stores `rank`'s part of an allgather. Under the lock: the ranks write one array from their own threads, and an
    /// unlocked write could copy it (copy-on-write, while a rank still holds the previous gather) and lose another
    /// rank's part.
    fileprivate func contribute(_ bytes: [UInt8], rank: Int) {
        condition.lock()
        gathered[rank] = bytes
        condition.unlock()
    }

    /// Every rank's part of the current allgather (read between its two barriers).
    fileprivate var contributions: [[UInt8]] {
        condition.lock()
        defer { condition.unlock() }
        return gathered
    }

    /// Blocks until every rank has arrived; throws when another rank has failed.
    fileprivate func barrier(rank: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        let myGeneration = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == myGeneration && failedRank == nil { condition.wait() }
        }
        if let failedRank, generation == myGeneration {
            throw CommunicationError(rank: rank, operation: "collective", message: "rank \(failedRank) failed")
        }
    }
}

private final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var first: Error?
    func record(_ error: Error) { lock.lock(); if first == nil { first = error }; lock.unlock() }
}

/// One rank's endpoint of an `InProcessGroup`.
public final class InProcessCommunicator: Communicator, @unchecked Sendable {
    private unowned let group: InProcessGroup
    public let rank: Int
    public var size: Int { group.size }
    public var location: String { "rank \(rank) (thread)" }

    init(group: InProcessGroup, rank: Int) {
        self.group = group
        self.rank = rank
    }

    public func allreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws { try sum(buffer) }
    public func allreduce(_ buffer: UnsafeMutableBufferPointer<Double>) throws { try sum(buffer) }

    /// Sums in rank order, the same on every rank, so replicas stay bitwise identical.
    private func sum<T: FloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>) throws {
        group.publish(UnsafeMutableRawPointer(buffer.baseAddress), rank: rank)
        try group.barrier(rank: rank)
        var total = [T](repeating: 0, count: buffer.count)
        for r in 0..<size {
            let other = group.slots[r]!.assumingMemoryBound(to: T.self)
            for i in 0..<buffer.count { total[i] += other[i] }
        }
        try group.barrier(rank: rank)
        for i in 0..<buffer.count { buffer[i] = total[i] }
        try group.barrier(rank: rank)
    }

    public func startAllreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction {
        try sum(buffer)
        return CompletedReduction()
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        group.publish(buffer.baseAddress, rank: rank)
        try group.barrier(rank: rank)
        if rank != root, let source = group.slots[root] { buffer.baseAddress!.copyMemory(from: source, byteCount: buffer.count) }
        try group.barrier(rank: rank)
    }

    public func allgather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        group.contribute(bytes, rank: rank)
        try group.barrier(rank: rank)
        let all = group.contributions
        try group.barrier(rank: rank)
        return all
    }

    public func barrier() throws { try group.barrier(rank: rank) }
}
