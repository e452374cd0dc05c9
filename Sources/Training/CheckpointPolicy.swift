import Distributed
import Foundation
import Models
import Optim
import RunFormat
import Support

/// When and how a run checkpoints: at epoch ends, at a stop, and every N optimizer steps (`checkpoint_every_steps`)
/// or every M minutes (`checkpoint_every_minutes`, by rank 0's clock, broadcast so that every rank agrees); rank 0
/// writes, every rank waits.
struct CheckpointPolicy {
    let store: CheckpointStore
    let everySteps: Int
    let everyMinutes: Double
    private var lastTime = monotonicSeconds()
    /// The iteration of the last checkpoint written (a signal right after one does not write it twice).
    private(set) var lastIteration = -1

    init(store: CheckpointStore, everySteps: Int, everyMinutes: Double) {
        self.store = store
        self.everySteps = everySteps
        self.everyMinutes = everyMinutes
    }

    /// Whether to checkpoint after `optimizerSteps` steps; a collective (every rank calls it).
    func isDue(optimizerSteps: Int, communicator: Communicator) throws -> Bool {
        var due: UInt8 = 0
        if everySteps > 0 && optimizerSteps % everySteps == 0 { due = 1 }
        if communicator.rank == 0 && everyMinutes > 0 && monotonicSeconds() - lastTime >= everyMinutes * 60 { due = 1 }
        return try communicator.broadcast(due, root: 0) == 1
    }

    /// Rank 0 writes a checkpoint of the state after this step; a failure (e.g. a full disk) is reported and the run
    /// goes on with the previous checkpoint intact. Every rank waits for it. Returns the best checkpoint's name.
    mutating func save(_ progress: TrainingProgress, isBest: Bool, state: ModelState, ema: ModelEMA?, optimizer: Optimizer,
                       accumulator: GradientAccumulator, communicator: Communicator, logger: RunLogger) throws -> String? {
        lastTime = monotonicSeconds()
        lastIteration = progress.iteration
        var best = progress.bestCheckpoint
        if communicator.rank == 0 {
            var saved = progress
            saved.worldSize = communicator.size
            saved.savedAt = Date().timeIntervalSince1970
            saved.emaUpdates = ema?.updates ?? 0
            let name = CheckpointStore.name(step: progress.iteration)
            if isBest { saved.bestCheckpoint = name }
            let start = monotonicSeconds()
            do {
                try store.write(name: name, state: state, ema: ema, optimizer: optimizer, accumulator: accumulator, progress: saved, isBest: isBest)
                best = saved.bestCheckpoint
                try logger.event("checkpoint", ["name": name, "epoch": progress.position.epoch, "step": progress.position.step,
                                                "seconds": monotonicSeconds() - start])
            } catch {
                logger.say("warning: checkpoint \(name) was not written (\(error)); the previous checkpoint is intact")
                try? logger.event("checkpoint_failed", ["name": name, "error": "\(error)"])
            }
        }
        try communicator.barrier()
        return best
    }
}
