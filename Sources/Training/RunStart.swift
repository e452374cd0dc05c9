import Support
import Distributed
import Models
import Optim
import RunFormat

/// How a run starts when its run directory already has checkpoints.
public enum ResumeMode: Sendable {
    /// Start from scratch (refuses a run directory that already has checkpoints).
    case fresh
    /// Continue from the newest valid checkpoint; an error when there is none.
    case required
    /// Continue when there is a valid checkpoint, start otherwise (what a scheduler passes).
    case ifExists
}

/// How a run begins: from the newest valid checkpoint of its run directory (rank 0 finds and reads it, every rank
/// gets its progress, optimizer state and pending gradients), from `weights` (a fresh run), or from the model's
/// initialisation; then every rank holds rank 0's parameters, and rank 0 makes the EMA.
struct RunStart {
    let config: ExperimentConfig
    let checkpoints: CheckpointStore
    let identity: String
    let sync: ReplicaSync
    let logger: RunLogger

    /// Restores `state`, `optimizer` and `accumulator`; returns the progress to continue from and rank 0's EMA.
    func begin(_ mode: ResumeMode, state: ModelState, optimizer: Optimizer, accumulator: GradientAccumulator,
               fresh: TrainingProgress) throws -> (progress: TrainingProgress, ema: ModelEMA?) {
        let communicator = sync.communicator
        var progress = fresh
        let loaded = communicator.rank == 0 ? try findCheckpoint(mode, state: state) : nil
        if try communicator.broadcast(UInt8(loaded == nil ? 0 : 1), root: 0) == 1 {
            if let loaded {
                state.parameterBuffer.baseAddress!.update(from: loaded.model.parameters, count: state.parameterCount)
                state.bufferBuffer.baseAddress!.update(from: loaded.model.buffers, count: state.bufferCount)
                state.counters = loaded.model.counters
                progress = loaded.progress
                accumulator.restore(loaded.accumulatedGradients)
                try optimizer.restore(buffers: loaded.optimizerBuffers, counters: loaded.optimizerCounters)
            }
            try sync.shareResumed(progress: &progress, optimizer: optimizer, accumulator: accumulator)
        } else if communicator.rank == 0, let weights = config.weights {
            try loadInitialWeights(config.resolve(weights), into: state)
        }
        try sync.broadcastState(state)
        var ema: ModelEMA?
        if communicator.rank == 0 && config.ema {
            ema = ModelEMA(state: state, updates: progress.emaUpdates)
            if let saved = loaded?.ema { try ema!.restore(parameters: saved.parameters, buffers: saved.buffers, updates: progress.emaUpdates) }
        }
        progress.worldSize = communicator.size
        return (progress, ema)
    }

    /// Rank 0: the newest valid checkpoint when the mode allows one; errors when the mode and what exists disagree.
    private func findCheckpoint(_ mode: ResumeMode, state: ModelState) throws -> LoadedCheckpoint? {
        for path in checkpoints.removeUnfinishedWrites() { logger.say("resume: removed \(path), a checkpoint write that did not finish") }
        let search = checkpoints.newestValid(identity: identity, parameterCount: state.parameterCount)
        for problem in search.skipped { logger.say("resume: skipping \(problem)") }
        let refusal: String?
        switch (mode, search.found) {
        case (.fresh, _) where search.found != nil || !search.skipped.isEmpty:
            refusal = "the run directory already has checkpoints; pass --resume (or --resume-if-exists) or choose another --run-dir"
        case (.required, .none): refusal = search.skipped.isEmpty ? "no checkpoint to resume from" : "no valid checkpoint to resume from"
        case (.ifExists, .none) where !search.skipped.isEmpty: refusal = "no valid checkpoint to resume from"
        default: refusal = nil
        }
        if let refusal { throw FileProblem(file: checkpoints.directory, message: refusal) }
        switch search.found {
        case let .some(checkpoint):
            let loaded = try checkpoints.load(checkpoint.name, progress: checkpoint.progress, state: state)
            logger.say("resume: from \(checkpoints.directory)/\(checkpoint.name) (epoch \(checkpoint.progress.position.epoch + 1), step \(checkpoint.progress.position.step), "
                       + "saved on \(checkpoint.progress.worldSize) rank(s), now \(sync.communicator.size))")
            return loaded
        case .none:
            return nil
        }
    }

    /// A fresh run's starting weights (`weights`), on rank 0 before they are broadcast.
    private func loadInitialWeights(_ path: String, into state: ModelState) throws {
        let transfer = try state.loadMatching(from: path)
        let total = transfer.transferred.count + transfer.leftAsTheyWere.count
        logger.say("weights: \(transfer.transferred.count) of \(total) tensors from \(path)")
        if !transfer.leftAsTheyWere.isEmpty {
            logger.say("weights: kept at initialisation (absent, or of another shape, in the file): "
                       + transfer.leftAsTheyWere.prefix(8).joined(separator: ", ") + (transfer.leftAsTheyWere.count > 8 ? ", ..." : ""))
        }
    }
}
