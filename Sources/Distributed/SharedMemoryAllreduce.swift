import CMPI
import Foundation

/// Sums float buffers over every rank, hierarchically: on each node through a shared window (each local rank copies
/// its chunk in, sums one slice of every rank's chunk in rank order, and copies the whole sum out), and between
/// nodes with an MPI allreduce of each slice among the ranks with the same local rank. Every rank ends with the same
/// bits. Buffers larger than a slot go through in chunks. Reductions run one after another in start order; each
/// advances only inside `test`/`wait` calls (no thread), like MPI's own non-blocking collectives here.
final class SharedMemoryAllreduce {
    let node: SharedMemoryNode
    private unowned let communicator: MPICommunicator
    private var queue: [SharedMemoryReduction] = []
    /// The number of the last node barrier this rank has reached.
    private var barriers: UInt64 = 0

    init(node: SharedMemoryNode, communicator: MPICommunicator) {
        self.node = node
        self.communicator = communicator
    }

    /// Queues a reduction of `buffer` and advances the queue.
    func start(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> SharedMemoryReduction {
        let reduction = SharedMemoryReduction(buffer: buffer, engine: self)
        queue.append(reduction)
        try progress(blockingUntil: nil)
        return reduction
    }

    /// Advances the queue as far as it goes without blocking; with `target`, blocks until that one is done.
    func progress(blockingUntil target: SharedMemoryReduction?) throws {
        while let head = queue.first {
            let blocking = target.map { !$0.isDone } ?? false
            guard try head.advance(blocking: blocking) else { return }
            if head.isDone { queue.removeFirst() }
        }
    }

    /// Waits for (blocking) or tests (non-blocking) one MPI request; true once it is complete.
    func complete(_ request: inout MPI_Request?, blocking: Bool, _ operation: String) throws -> Bool {
        if blocking {
            try communicator.blocking(operation) {
                try communicator.check(MPI_Wait(&request, spd_mpi_status_ignore()), "MPI_Wait(\(operation))")
            }
            return true
        }
        var flag: Int32 = 0
        try communicator.check(MPI_Test(&request, &flag, spd_mpi_status_ignore()), "MPI_Test(\(operation))")
        return flag != 0
    }

    /// Arrives at the next node barrier (shared-memory counters; a few hundred nanoseconds where MPI_Ibarrier takes
    /// tens of microseconds) and returns its number.
    func arriveAtNodeBarrier() -> UInt64 {
        barriers += 1
        node.arrive(at: barriers)
        return barriers
    }

    /// Whether every rank of the node has reached barrier `number`; when blocking, waits for it (yielding the core
    /// now and then, for oversubscribed nodes).
    func nodeBarrier(_ number: UInt64, blocking: Bool, _ operation: String) -> Bool {
        if node.allArrived(at: number) || !blocking { return node.allArrived(at: number) }
        communicator.blocking(operation) {
            var spins = 0
            while !node.allArrived(at: number) {
                spins += 1
                if spins % 64 == 0 { sched_yield() }
            }
        }
        return true
    }

    /// Starts the allreduce of this rank's slice of the result slot between nodes.
    func startCrossAllreduce(_ slice: Range<Int>, _ request: inout MPI_Request?) throws {
        try communicator.check(MPI_Iallreduce(spd_mpi_in_place(), node.result + slice.lowerBound, Int32(slice.count), spd_mpi_float(), spd_mpi_sum(),
                                              node.cross, &request), "MPI_Iallreduce(across nodes)")
    }
}

/// One queued reduction: a state machine over the chunks of its buffer.
final class SharedMemoryReduction: PendingReduction {
    private enum Phase {
        /// Copy this rank's chunk into its slot, then the node barrier.
        case copyIn
        /// Every rank's chunk is in once this barrier completes; then sum this rank's slice.
        case arriving(UInt64)
        /// This rank's summed slice is being reduced between nodes.
        case crossing
        /// Every slice is summed once this barrier completes; then copy the result out.
        case leaving(UInt64)
        case done
    }

    private let buffer: UnsafeMutableBufferPointer<Float>
    private unowned let engine: SharedMemoryAllreduce
    private var phase = Phase.copyIn
    private var offset = 0
    private var request: MPI_Request? = spd_mpi_request_null()

    init(buffer: UnsafeMutableBufferPointer<Float>, engine: SharedMemoryAllreduce) {
        self.buffer = buffer
        self.engine = engine
        if buffer.isEmpty { phase = .done }
    }

    var isDone: Bool { if case .done = phase { return true } else { return false } }

    func test() throws -> Bool {
        try engine.progress(blockingUntil: nil)
        return isDone
    }

    func wait() throws { try engine.progress(blockingUntil: self) }

    private var chunk: Range<Int> { offset..<min(offset + engine.node.chunkElements, buffer.count) }
    private var slice: Range<Int> { SharedMemorySum.slice(engine.node.localRank, of: engine.node.localSize, count: chunk.count) }

    /// Takes the next step of the current chunk; false when it has to wait for other ranks (non-blocking).
    func advance(blocking: Bool) throws -> Bool {
        let node = engine.node
        switch phase {
        case .copyIn:
            node.slot(node.localRank).update(from: buffer.baseAddress! + offset, count: chunk.count)
            phase = .arriving(engine.arriveAtNodeBarrier())
        case .arriving(let barrier):
            guard engine.nodeBarrier(barrier, blocking: blocking, "shared-memory allreduce: waiting for the node's ranks to copy in") else { return false }
            let slots = (0..<node.localSize).map { UnsafePointer(node.slot($0)) }
            SharedMemorySum.sum(slots, into: node.result, range: slice)
            if node.crossSize > 1 {
                try engine.startCrossAllreduce(slice, &request)
                phase = .crossing
            } else {
                phase = .leaving(engine.arriveAtNodeBarrier())
            }
        case .crossing:
            guard try engine.complete(&request, blocking: blocking, "allreduce between nodes") else { return false }
            phase = .leaving(engine.arriveAtNodeBarrier())
        case .leaving(let barrier):
            guard engine.nodeBarrier(barrier, blocking: blocking, "shared-memory allreduce: waiting for the node's ranks to sum") else { return false }
            (buffer.baseAddress! + offset).update(from: node.result, count: chunk.count)
            offset = chunk.upperBound
            phase = offset < buffer.count ? .copyIn : .done
        case .done:
            return false
        }
        return true
    }
}
