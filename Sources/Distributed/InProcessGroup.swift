import Foundation

/// Ranks as threads of one process, for tests: `communicators[r]` is rank r's endpoint. Collectives meet at a
/// barrier, so every rank must call the same collectives in the same order, as with MPI.
public final class InProcessGroup: @unchecked Sendable {
    public let size: Int
    public private(set) var communicators: [InProcessCommunicator] = []
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
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
                do { try body(communicator) } catch { errors.record(error) }
                done.leave()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        done.wait()
        if let error = errors.first { throw error }
    }

    /// Blocks until every rank has arrived.
    fileprivate func barrier() {
        condition.lock()
        let myGeneration = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == myGeneration { condition.wait() }
        }
        condition.unlock()
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

    public func allreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws { sum(buffer) }
    public func allreduce(_ buffer: UnsafeMutableBufferPointer<Double>) throws { sum(buffer) }

    /// Sums in rank order, the same on every rank, so replicas stay bitwise identical.
    private func sum<T: FloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>) {
        group.slots[rank] = UnsafeMutableRawPointer(buffer.baseAddress)
        group.barrier()
        var total = [T](repeating: 0, count: buffer.count)
        for r in 0..<size {
            let other = group.slots[r]!.assumingMemoryBound(to: T.self)
            for i in 0..<buffer.count { total[i] += other[i] }
        }
        group.barrier()
        for i in 0..<buffer.count { buffer[i] = total[i] }
        group.barrier()
    }

    public func startAllreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction {
        sum(buffer)
        return CompletedReduction()
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        group.slots[rank] = buffer.baseAddress
        group.barrier()
        if rank != root, let source = group.slots[root] { buffer.baseAddress!.copyMemory(from: source, byteCount: buffer.count) }
        group.barrier()
    }

    public func allgather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        group.gathered[rank] = bytes
        group.barrier()
        let all = group.gathered
        group.barrier()
        return all
    }

    public func barrier() throws { group.barrier() }
}
