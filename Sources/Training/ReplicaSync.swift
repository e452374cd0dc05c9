import Distributed
import Foundation
import Models
import Optim
import RunFormat

/// What keeps the ranks' replicas one model besides the gradient all-reduce: rank 0's state to every rank at the
/// start, the resumed progress, optimizer state and pending gradients after a resume, every step's whole-batch sums
/// (losses, labels and stop requests, one small all-reduce), and collected messages.
struct ReplicaSync {
    let communicator: Communicator
    /// Sums small values over the ranks (nil on one rank); also SyncBN's reducer.
    let sums: CommunicatorStatisticsReducer?

    init(communicator: Communicator) {
        self.communicator = communicator
        sums = communicator.size > 1 ? CommunicatorStatisticsReducer(communicator: communicator) : nil
    }

    /// Rank 0's parameters, buffers and counters to every rank, so replicas start identical.
    func broadcastState(_ state: ModelState) throws {
        guard communicator.size > 1 else { return }
        try communicator.broadcast(UnsafeMutableRawBufferPointer(state.parameterBuffer), root: 0)
        try communicator.broadcast(UnsafeMutableRawBufferPointer(state.bufferBuffer), root: 0)
        try state.counters.withUnsafeMutableBytes { try communicator.broadcast($0, root: 0) }
    }

    /// Rank 0's resumed progress, optimizer state (buffers and counters in key order) and pending gradients to every
    /// rank.
    func shareResumed(progress: inout TrainingProgress, optimizer: Optimizer, accumulator: GradientAccumulator) throws {
        guard communicator.size > 1 else { return }
        progress = try communicator.broadcast(json: progress, root: 0)
        var buffers = optimizer.stateBuffers
        for key in buffers.keys.sorted() { try buffers[key]!.withUnsafeMutableBytes { try communicator.broadcast($0, root: 0) } }
        var counters = optimizer.stateCounters
        for key in counters.keys.sorted() { counters[key] = try communicator.broadcast(counters[key]!, root: 0) }
        try optimizer.restore(buffers: buffers, counters: counters)
        accumulator.restore(try communicator.broadcast(array: accumulator.pending, root: 0))
    }

    /// The whole batch's losses (the sum of the ranks' shares) and label count, and whether any rank has a stop
    /// request: one all-reduce for all three, so no rank leaves a collective the others enter.
    func wholeBatch(_ outcome: StepOutcome) throws -> (outcome: StepOutcome, stop: Bool) {
        guard let sums else { return (outcome, StopSignals.requested != nil) }
        var values = outcome.losses + [Double(outcome.labels), StopSignals.requested == nil ? 0 : 1]
        values.withUnsafeMutableBufferPointer { sums.sumAcrossReplicas($0) }
        if let failure = sums.failure { throw failure }
        var whole = outcome
        whole.losses = Array(values.dropLast(2))
        whole.labels = Int(values[values.count - 2])
        return (whole, values.last! > 0)
    }

    /// Every rank's `lines`, each prefixed with its rank ("rank 1: ..."); on one rank the lines as they are.
    func gather(_ lines: [String]) throws -> [String] {
        guard communicator.size > 1 else { return lines }
        return try communicator.allgatherVariable(Array(JSONEncoder().encode(lines))).enumerated().flatMap { rank, bytes in
            try JSONDecoder().decode([String].self, from: Data(bytes)).map { "rank \(rank): \($0)" }
        }
    }
}

extension CommunicatorStatisticsReducer: StatisticsReducer {}
