import Checksum
import Distributed
import Foundation
import Models
import SampleStream
import Shards
import Tensor
import Support
import RunFormat
import Optim

/// How a run starts when its run directory already has checkpoints.
public enum ResumeMode: Sendable {
    /// Start from scratch (refuses a run directory that already has checkpoints).
    case fresh
    /// Continue from the newest valid checkpoint; an error when there is none.
    case required
    /// Continue when there is a valid checkpoint, start otherwise (what a scheduler passes).
    case ifExists
}

/// The data-parallel training loop, the same code on every rank. Each step: this rank's slice of the global
/// batch from the sample stream, forward + loss + backward with gradient buckets all-reduced while backward runs,
/// YOLOv5's warmup / accumulation / schedule, the optimizer, the EMA (rank 0). Rank 0 validates, writes
/// results.csv, metrics.jsonl, plots and checkpoints; replicas are compared by checksum every N steps.
public final class Trainer<Task: TrainingTask> {
    public let config: ExperimentConfig
    public let task: Task
    public let dataset: Dataset
    public let communicator: Communicator
    public let run: RunDirectory?
    private let output: (String) -> Void
    private let progressBar: ProgressDisplay?
    private let identity: String
    private let layout: StreamLayout
    private let optimizer: Optimizer
    private let averager: GradientAverager
    /// Sums small values over the ranks (nil on one rank): SyncBN's statistics when `sync_bn`, and every step the
    /// whole batch's loss normalisers and the logged losses.
    private let replicaSums: CommunicatorStatisticsReducer?
    private var ema: ModelEMA?
    private var progress: TrainingProgress
    private let checkpoints: CheckpointStore?
    /// Averaged gradients of the micro-batches since the last optimizer step (when accumulating): a buffer of the
    /// arena's size allocated once, valid while `hasPendingGradients`.
    private var pendingStorage: [Float] = []
    private var hasPendingGradients = false
    /// The pending gradients for a checkpoint (empty when there are none).
    private var pendingGradients: [Float] { hasPendingGradients ? pendingStorage : [] }
    private var lastCheckpointTime = monotonicSeconds()
    private let sampleLog: SampleLog?
    /// Samples this rank left out in the current epoch (skip_bad).
    private var skippedThisEpoch: [BadSample] = []
    /// The run's fixed sample order (`sample_order`), or nil for the seeded shuffle.
    private let fixedOrder: SampleOrderFile?
    private let startTime = monotonicSeconds()
    /// Whether every rank has seen the stop request of a signal (agreed at the last step's all-reduce).
    private var stopAgreed = false
    /// The iteration of the last checkpoint written (a signal right after one does not write it twice).
    private var lastCheckpointIteration = -1

    /// `runDirectory` is written by rank 0 only; `output` prints a line (rank 0's terminal or log).
    public init(config: ExperimentConfig, task: Task, dataset: Dataset, communicator: Communicator, runDirectory: String,
                resume: ResumeMode, output: @escaping (String) -> Void, interactive: Bool) throws {
        self.config = config
        self.task = task
        self.dataset = dataset
        self.communicator = communicator
        let isLeader = communicator.rank == 0
        self.output = isLeader ? output : { _ in }
        run = isLeader ? try RunDirectory(path: runDirectory) : nil
        checkpoints = CheckpointStore(directory: "\(runDirectory)/checkpoints", keep: config.keepCheckpoints)
        progressBar = isLeader && interactive ? ProgressDisplay() : nil
        identity = try Trainer.identity(config: config, dataset: dataset, state: task.state)
        try Trainer.verifySameRun(identity: identity, communicator: communicator)
        layout = try StreamLayout(globalBatch: config.batch, worldSize: communicator.size, rank: communicator.rank)
        let state = task.state
        let schedule = OptimizerSchedule(hyperparameters: config.hyp, schedule: config.learningRateSchedule, epochs: config.epochs,
                                         batchesPerEpoch: 1, globalBatch: config.batch, nominalBatch: config.nominalBatch)
        switch config.optimizer {
        case .sgd: optimizer = SGD(state: state, momentum: Float(config.hyp.momentum), nesterov: true, weightDecay: Float(schedule.weightDecay))
        case .adam, .adamw: optimizer = AdamW(state: state, weightDecay: Float(schedule.weightDecay), decoupled: config.optimizer == .adamw)
        }
        averager = GradientAverager(communicator: communicator, gradients: state.gradientBuffer, bucketBytes: Int(config.bucketMB * 1_048_576))
        replicaSums = communicator.size > 1 ? CommunicatorStatisticsReducer(communicator: communicator) : nil
        sampleLog = config.recordSamples ? try SampleLog(path: "\(runDirectory)/samples/rank-\(communicator.rank).txt") : nil
        fixedOrder = try config.sampleOrder.map { try SampleOrderFile(path: config.resolve($0), dataset: dataset, split: config.trainSplit) }
        if let fixedOrder, fixedOrder.epochs.count < config.epochs {
            throw ConfigurationError(file: fixedOrder.path, message: "lists \(fixedOrder.epochs.count) epoch(s) but the run trains \(config.epochs)")
        }
        progress = .start(worldSize: communicator.size, globalBatch: config.batch, identity: identity, lossCount: task.lossNames.count)
        try restoreOrStart(resume)
    }

    /// Runs until the configured number of epochs; returns the final progress (results of every epoch).
    @discardableResult
    public func train() throws -> TrainingProgress {
        task.modelContext.statisticsReducer = config.syncBN ? replicaSums : nil
        try run?.appendEvent("started", ["world_size": communicator.size, "epoch": progress.position.epoch, "step": progress.position.step])
        do {
            if try trainEpochs() {
                try run?.appendEvent("done", ["epochs": config.epochs, "best_fitness": progress.bestFitness ?? NSNull()])
            } else {
                output("stopped after \(progress.iteration) batches (stop_after_iterations); continue with --resume")
                try run?.appendEvent("stopped", ["epoch": progress.position.epoch, "step": progress.position.step, "iteration": progress.iteration])
            }
        } catch let stopped as TrainingStopped {
            output("\(stopped)")
            throw stopped
        } catch {
            try? run?.appendEvent("failed", ["error": "\(error)"])
            throw error
        }
        return progress
    }

    // MARK: - The loop

    /// Trains to the last epoch (true), or until `stop_after_iterations` (false, after a checkpoint).
    private func trainEpochs() throws -> Bool {
        while progress.position.epoch < config.epochs {
            let stream = try SampleStream(dataset: dataset, split: config.trainSplit, seed: UInt64(config.seed), window: config.window,
                                          layout: layout, start: progress.position, prefetch: 2, skipBad: config.skipBad,
                                          fixedOrder: fixedOrder, transform: task.trainingTransform())
            defer { stream.stop() }
            let steps = config.maxStepsPerEpoch > 0 ? min(stream.stepsPerEpoch, config.maxStepsPerEpoch) : stream.stepsPerEpoch
            let schedule = OptimizerSchedule(hyperparameters: config.hyp, schedule: config.learningRateSchedule, epochs: config.epochs,
                                             batchesPerEpoch: steps, globalBatch: config.batch, nominalBatch: config.nominalBatch,
                                             lagsOneEpoch: config.referenceQuirks.contains(.lrEpochLag))
            if progress.position.step == 0 { output(epochHeader()) }
            while progress.position.step < steps {
                let waitBefore = stream.waitSeconds
                let batch = try stream.next()
                skippedThisEpoch += batch.skipped
                guard !batch.examples.isEmpty else {
                    throw StreamError.invalidLayout("every sample of step \(batch.step) of epoch \(batch.epoch + 1) on \(communicator.location) was bad: "
                                                    + (batch.skipped.first?.message ?? ""))
                }
                try trainStep(batch, schedule: schedule, dataWait: stream.waitSeconds - waitBefore, stepsInEpoch: steps)
                if stopAgreed { try stopAtSignal() }
                if config.stopAfterIterations > 0 && progress.iteration >= config.stopAfterIterations && progress.position.step < steps {
                    try saveCheckpoint(isBest: false)
                    return false
                }
            }
            try finishEpoch(steps: steps, schedule: schedule)
            if config.stopAfterIterations > 0 && progress.iteration >= config.stopAfterIterations && progress.position.epoch < config.epochs { return false }
        }
        return true
    }

    /// The whole batch's losses (the sum of the ranks' shares) and label count, for the log, and whether any rank has
    /// a stop request (one all-reduce for all three, so no rank leaves a collective the others enter).
    private func wholeBatchOutcome(_ outcome: StepOutcome, _ replicaSums: CommunicatorStatisticsReducer) throws -> (StepOutcome, stop: Bool) {
        var sums = outcome.losses + [Double(outcome.labels), StopSignals.requested == nil ? 0 : 1]
        sums.withUnsafeMutableBufferPointer { replicaSums.sumAcrossReplicas($0) }
        if let failure = replicaSums.failure { throw failure }
        var whole = outcome
        whole.losses = Array(sums.dropLast(2))
        whole.labels = Int(sums[sums.count - 2])
        return (whole, sums.last! > 0)
    }

    /// After a step on which the ranks agreed to stop: one checkpoint (unless this step just wrote one), a
    /// `preempted` event, and `TrainingStopped`.
    private func stopAtSignal() throws -> Never {
        if lastCheckpointIteration != progress.iteration { try saveCheckpoint(isBest: false) }
        let signal = StopSignals.requested.map(StopSignals.name) ?? "a signal to another rank"
        let checkpoint = CheckpointStore.name(step: progress.iteration)
        try run?.appendEvent("preempted", ["signal": signal, "epoch": progress.position.epoch, "step": progress.position.step,
                                           "iteration": progress.iteration, "checkpoint": checkpoint])
        throw TrainingStopped(signal: signal, checkpoint: checkpoint, iteration: progress.iteration)
    }

    private func trainStep(_ batch: StreamBatch<Task.Example>, schedule: OptimizerSchedule, dataWait: Double, stepsInEpoch: Int) throws {
        let epoch = batch.epoch
        let settings = schedule.settings(iteration: progress.iteration, epoch: epoch)
        let state = task.state
        let stepStart = monotonicSeconds()
        // Recorded before this rank's gradient goes out: once it has, the other ranks can finish the step and
        // checkpoint it even if this rank dies right after.
        try sampleLog?.append("\(epoch) \(batch.step) " + batch.keys.joined(separator: " "))
        state.zeroGradients()
        averager.resetTimers()
        // Each rank's loss is its share of the whole batch's (normalised by the whole batch's counts), so the
        // ranks' gradients must add up: scaled by the rank count here, then averaged.
        let gradientScale = Float(communicator.size)
        var reduceFailure: Error?
        var outcome = try task.trainStep(batch.examples, gradientScale: gradientScale, replicas: replicaSums, gradientsReady: { [averager] ready in
            do { try averager.gradientsReady(ready) } catch { reduceFailure = reduceFailure ?? error }
        })
        if let reduceFailure { throw reduceFailure }
        if let failure = replicaSums?.failure { throw failure }
        try averager.finish()
        if let replicaSums {
            (outcome, stopAgreed) = try wholeBatchOutcome(outcome, replicaSums)
        } else {
            stopAgreed = StopSignals.requested != nil
        }
        // Averaged gradients of earlier micro-batches wait in `pendingGradients` until the optimizer step (YOLOv5 v6.0
        // drops them at an epoch start; `epoch_start_zero_grad` follows it).
        if batch.step == 0 && config.referenceQuirks.contains(.epochStartZeroGrad) { hasPendingGradients = false }
        let optimizerStart = monotonicSeconds()
        let stepsNow = progress.iteration - progress.lastOptimizerIteration >= settings.accumulation
        let momentum = optimizer.followsMomentumWarmup ? settings.momentum : config.hyp.momentum
        // The batches whose gradients this step applies (those since the last step, or since the epoch start when the
        // quirk dropped the earlier ones), for the log.
        let droppedBefore = config.referenceQuirks.contains(.epochStartZeroGrad) ? progress.iteration - batch.step - 1 : -1
        let accumulatedBatches = stepsNow ? progress.iteration - max(progress.lastOptimizerIteration, droppedBefore) : 0
        let g = state.gradientBuffer
        if hasPendingGradients {
            pendingStorage.withUnsafeMutableBufferPointer { pending in
                for i in 0..<g.count { pending[i] += g[i] }
                if stepsNow { g.baseAddress!.update(from: pending.baseAddress!, count: g.count) }
            }
        }
        if stepsNow {
            optimizer.step(learningRates: settings.learningRates, momentum: momentum)
            ema?.update(from: state)
            progress.lastOptimizerIteration = progress.iteration
            progress.optimizerSteps += 1
            hasPendingGradients = false
        } else if !hasPendingGradients {
            if pendingStorage.count != g.count { pendingStorage = [Float](repeating: 0, count: g.count) }
            pendingStorage.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: g.baseAddress!, count: g.count) }
            hasPendingGradients = true
        }
        let optimizerSeconds = monotonicSeconds() - optimizerStart
        progress.iteration += 1
        progress.position = StreamPosition(epoch: epoch, step: batch.step + 1)
        for (i, loss) in outcome.losses.enumerated() { progress.epochLossSums[i] += loss }
        progress.epochBatches += 1
        let stepSeconds = monotonicSeconds() - stepStart + dataWait
        progress.epochSeconds += stepSeconds

        if stepsNow && progress.optimizerSteps % config.replicaCheckEvery == 0 && communicator.size > 1 {
            try ReplicaCheck.verify(UnsafeBufferPointer(state.parameterBuffer), communicator: communicator, step: progress.optimizerSteps)
        }
        let logNow = progress.iteration % config.logEvery == 0 || batch.step == stepsInEpoch - 1
        if communicator.rank == 0 {
            let means = progress.epochLossSums.map { $0 / Double(progress.epochBatches) }
            progressBar?.update(epoch: epoch, epochs: config.epochs, step: batch.step + 1, steps: stepsInEpoch, losses: zip(task.lossNames, means).map { ($0, $1) },
                                imagesPerSecond: Double(config.batch) / stepSeconds)
            if logNow {
                let lr = settings.learningRates
                try run?.appendMetrics([
                    "iteration": progress.iteration, "optimizer_step": progress.optimizerSteps, "epoch": epoch, "step": batch.step,
                    "losses": Dictionary(uniqueKeysWithValues: zip(task.lossNames, outcome.losses)), "epoch_mean_losses": Dictionary(uniqueKeysWithValues: zip(task.lossNames, means)),
                    "labels": outcome.labels, "lr": [lr[.batchNormWeight] ?? 0, lr[.weight] ?? 0, lr[.bias] ?? 0], "momentum": momentum,
                    "accumulation": settings.accumulation, "accumulated_batches": accumulatedBatches, "images_per_second": Double(config.batch) / stepSeconds,
                    "time": ["step": stepSeconds, "data_wait": dataWait, "forward": outcome.forwardSeconds, "backward": outcome.backwardSeconds,
                             "allreduce_overlapped": averager.overlapSeconds, "allreduce_wait": averager.waitSeconds, "optimizer": optimizerSeconds],
                ])
                try run?.appendEvent("heartbeat", ["epoch": epoch, "step": batch.step, "iteration": progress.iteration,
                                                   "images_per_second": Double(config.batch) / stepSeconds])
                if progressBar == nil {
                    output("epoch \(epoch + 1)/\(config.epochs) step \(batch.step + 1)/\(stepsInEpoch) "
                           + zip(task.lossNames, means).map { "\($0) \(String(format: "%.4f", $1))" }.joined(separator: " ")
                           + String(format: " %.1f img/s", Double(config.batch) / stepSeconds))
                }
            }
        }
        if stepsNow, batch.step < stepsInEpoch - 1, try checkpointDue() { try saveCheckpoint(isBest: false) }
    }

    private func finishEpoch(steps: Int, schedule: OptimizerSchedule) throws {
        let epoch = progress.position.epoch
        progressBar?.finish()
        try reportSkipped(epoch: epoch)
        let lr = schedule.settings(iteration: progress.iteration, epoch: epoch).learningRates
        var row = EpochResult(epoch: epoch, trainLosses: progress.epochLossSums.map { $0 / Double(max(progress.epochBatches, 1)) }, metrics: [],
                              validationLosses: [], learningRates: [lr[.batchNormWeight] ?? 0, lr[.weight] ?? 0, lr[.bias] ?? 0], seconds: progress.epochSeconds)
        var isBest = false
        if (epoch + 1) % config.valEvery == 0 || epoch + 1 == config.epochs {
            if communicator.rank == 0 {
                let outcome = try validate()
                row.metrics = outcome.metrics
                row.validationLosses = outcome.losses
                isBest = outcome.fitness > (progress.bestFitness ?? -.infinity)
                if isBest { progress.bestFitness = outcome.fitness }
                output(zip(task.metricNames, outcome.metrics).map { "\($0) \(String(format: "%.4f", $1))" }.joined(separator: "  "))
                for line in outcome.report { output(line) }
            }
            try communicator.barrier()
        }
        progress.results.append(row)
        progress.position = StreamPosition(epoch: epoch + 1, step: 0)
        progress.epochLossSums = progress.epochLossSums.map { _ in 0 }
        progress.epochBatches = 0
        progress.epochSeconds = 0
        // Learning rates follow the epoch (YOLOv5 steps its LambdaLR scheduler at epoch ends).
        try saveCheckpoint(isBest: isBest)
        if let run {
            try run.write("results.csv", EpochResult.csv(progress.results, lossNames: task.lossNames, metricNames: task.metricNames))
            try run.write("plots/results.svg", ResultsPlot.svg(progress.results, lossNames: task.lossNames, metricNames: task.metricNames))
            try run.appendEvent("epoch", ["epoch": epoch, "metrics": Dictionary(uniqueKeysWithValues: zip(task.metricNames, row.metrics)),
                                          "fitness": progress.bestFitness ?? NSNull()])
        }
    }

    /// With skip_bad: every rank's left-out samples of the epoch, counted and listed by rank 0.
    private func reportSkipped(epoch: Int) throws {
        guard config.skipBad else { return }
        var lines = skippedThisEpoch.map(\.message)
        skippedThisEpoch.removeAll()
        if communicator.size > 1 {
            let encoded = Array((try JSONEncoder().encode(lines)))
            var length = UInt64(encoded.count)
            var lengths = [UInt64](repeating: 0, count: communicator.size)
            let gathered = try communicator.allgather(withUnsafeBytes(of: &length) { Array($0) })
            for (rank, bytes) in gathered.enumerated() { lengths[rank] = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
            let longest = Int(lengths.max() ?? 0)
            let all = try communicator.allgather(encoded + [UInt8](repeating: 0x20, count: longest - encoded.count))
            lines = try all.enumerated().flatMap { rank, bytes in
                try JSONDecoder().decode([String].self, from: Data(bytes.prefix(Int(lengths[rank])))).map { "rank \(rank): \($0)" }
            }
        }
        guard !lines.isEmpty else { return }
        output("skip_bad: \(lines.count) sample(s) or shard(s) left out in epoch \(epoch + 1):")
        for line in lines.prefix(20) { output("  \(line)") }
        if lines.count > 20 { output("  ... and \(lines.count - 20) more") }
        try run?.appendEvent("skipped_samples", ["epoch": epoch, "count": lines.count, "first": Array(lines.prefix(20))])
    }

    /// Validates the EMA weights (or the model's when EMA is off) on the whole validation split (rank 0).
    private func validate() throws -> ValidationOutcome {
        let state = task.state
        let parameters = ema?.parameters ?? Array(state.parameterBuffer), buffers = ema?.buffers ?? Array(state.bufferBuffer)
        return try Validation.run(task, dataset: dataset, split: config.valSplit, batch: config.batch, parameters: parameters, buffers: buffers)
    }

    // MARK: - Checkpoints

    /// Whether to checkpoint now: every N optimizer steps, or every M minutes as rank 0's clock says (broadcast, so
    /// every rank agrees).
    private func checkpointDue() throws -> Bool {
        var due: UInt8 = 0
        if config.checkpointEverySteps > 0 && progress.optimizerSteps % config.checkpointEverySteps == 0 { due = 1 }
        if communicator.rank == 0 && config.checkpointEveryMinutes > 0 && monotonicSeconds() - lastCheckpointTime >= config.checkpointEveryMinutes * 60 { due = 1 }
        if communicator.size > 1 { try withUnsafeMutableBytes(of: &due) { try communicator.broadcast($0, root: 0) } }
        return due == 1
    }

    /// Rank 0 writes a checkpoint of the state after this step; a failure (e.g. a full disk) is reported and the run
    /// goes on with the previous checkpoint intact. Every rank waits for it.
    private func saveCheckpoint(isBest: Bool) throws {
        lastCheckpointTime = monotonicSeconds()
        lastCheckpointIteration = progress.iteration
        if communicator.rank == 0, let checkpoints {
            var saved = progress
            saved.worldSize = communicator.size
            saved.savedAt = Date().timeIntervalSince1970
            saved.emaUpdates = ema?.updates ?? 0
            let name = CheckpointStore.name(step: progress.iteration)
            if isBest { saved.bestCheckpoint = name }
            let start = monotonicSeconds()
            do {
                try checkpoints.write(name: name, state: task.state, ema: ema, optimizer: CheckpointedOptimizer(optimizer, pending: pendingGradients),
                                      progress: saved, isBest: isBest)
                progress.bestCheckpoint = saved.bestCheckpoint
                try run?.appendEvent("checkpoint", ["name": name, "epoch": progress.position.epoch, "step": progress.position.step,
                                                    "seconds": monotonicSeconds() - start])
            } catch {
                output("warning: checkpoint \(name) was not written (\(error)); the previous checkpoint is intact")
                try? run?.appendEvent("checkpoint_failed", ["name": name, "error": "\(error)"])
            }
        }
        try communicator.barrier()
    }

    /// Resumes from the newest valid checkpoint (rank 0 reads it and broadcasts), or starts fresh.
    private func restoreOrStart(_ mode: ResumeMode) throws {
        let state = task.state
        var found: UInt8 = 0
        var loaded: LoadedCheckpoint?
        if communicator.rank == 0, let checkpoints {
            for path in checkpoints.removeUnfinishedWrites() { output("resume: removed \(path), a checkpoint write that did not finish") }
            let search = checkpoints.newestValid(identity: identity)
            for problem in search.skipped { output("resume: skipping \(problem)") }
            switch (mode, search.found) {
            case (.fresh, .some), (.fresh, .none) where !search.skipped.isEmpty:
                throw ConfigurationError(file: checkpoints.directory, message: "the run directory already has checkpoints; pass --resume (or --resume-if-exists) or choose another --run-dir")
            case (.required, .none), (.ifExists, .none) where !search.skipped.isEmpty:
                throw ConfigurationError(file: checkpoints.directory, message: search.skipped.isEmpty ? "no checkpoint to resume from" : "no valid checkpoint to resume from")
            case let (_, .some(checkpoint)):
                loaded = try checkpoints.load(checkpoint.name, progress: checkpoint.progress, state: state)
                found = 1
                output("resume: from \(checkpoints.directory)/\(checkpoint.name) (epoch \(checkpoint.progress.position.epoch + 1), step \(checkpoint.progress.position.step), "
                       + "saved on \(checkpoint.progress.worldSize) rank(s), now \(communicator.size))")
            default:
                break
            }
        }
        if communicator.size > 1 { try withUnsafeMutableBytes(of: &found) { try communicator.broadcast($0, root: 0) } }
        if found == 1 {
            if let loaded {
                state.parameterBuffer.baseAddress!.update(from: loaded.model.parameters, count: state.parameterCount)
                state.bufferBuffer.baseAddress!.update(from: loaded.model.buffers, count: state.bufferCount)
                state.counters = loaded.model.counters
                progress = loaded.progress
                if let accumulated = loaded.optimizerBuffers["accumulated_gradients"] {
                    pendingStorage = accumulated
                    hasPendingGradients = true
                }
                var buffers = loaded.optimizerBuffers
                buffers["accumulated_gradients"] = nil
                try optimizer.restore(buffers: buffers, counters: loaded.optimizerCounters)
            }
            try shareProgressAndOptimizer(from: 0)
        } else if communicator.rank == 0, let weights = config.weights {
            try loadInitialWeights(config.resolve(weights))
        }
        try broadcastState()
        if communicator.rank == 0 && config.ema {
            ema = ModelEMA(state: state, updates: progress.emaUpdates)
            if let saved = loaded?.ema { try ema!.restore(parameters: saved.parameters, buffers: saved.buffers, updates: progress.emaUpdates) }
        }
        progress.worldSize = communicator.size
    }

    /// A fresh run's starting weights (`weights`), on rank 0 before they are broadcast.
    private func loadInitialWeights(_ path: String) throws {
        let transfer = try task.state.loadMatching(from: path)
        let total = transfer.transferred.count + transfer.leftAsTheyWere.count
        output("weights: \(transfer.transferred.count) of \(total) tensors from \(path)")
        if !transfer.leftAsTheyWere.isEmpty {
            output("weights: kept at initialisation (absent, or of another shape, in the file): "
                   + transfer.leftAsTheyWere.prefix(8).joined(separator: ", ") + (transfer.leftAsTheyWere.count > 8 ? ", ..." : ""))
        }
    }

    /// Rank 0's parameters, buffers and counters to every rank, so replicas start identical.
    private func broadcastState() throws {
        guard communicator.size > 1 else { return }
        let state = task.state
        try communicator.broadcast(UnsafeMutableRawBufferPointer(state.parameterBuffer), root: 0)
        try communicator.broadcast(UnsafeMutableRawBufferPointer(state.bufferBuffer), root: 0)
        try state.counters.withUnsafeMutableBytes { try communicator.broadcast($0, root: 0) }
    }

    /// Rank 0's progress, optimizer state and pending gradients to every rank (after a resume).
    private func shareProgressAndOptimizer(from root: Int) throws {
        guard communicator.size > 1 else { return }
        var encoded = communicator.rank == root ? Array(try JSONEncoder().encode(progress)) : []
        var length = UInt64(encoded.count)
        try withUnsafeMutableBytes(of: &length) { try communicator.broadcast($0, root: root) }
        if communicator.rank != root { encoded = [UInt8](repeating: 0, count: Int(length)) }
        try encoded.withUnsafeMutableBytes { try communicator.broadcast($0, root: root) }
        progress = try JSONDecoder().decode(TrainingProgress.self, from: Data(encoded))
        var buffers = optimizer.stateBuffers
        for key in buffers.keys.sorted() { try buffers[key]!.withUnsafeMutableBytes { try communicator.broadcast($0, root: root) } }
        var counters = optimizer.stateCounters
        for key in counters.keys.sorted() {
            var value = counters[key]!
            try withUnsafeMutableBytes(of: &value) { try communicator.broadcast($0, root: root) }
            counters[key] = value
        }
        try optimizer.restore(buffers: buffers, counters: counters)
        var hasPending: UInt8 = hasPendingGradients ? 1 : 0
        try withUnsafeMutableBytes(of: &hasPending) { try communicator.broadcast($0, root: root) }
        if hasPending == 1 {
            if pendingStorage.count != task.state.parameterCount { pendingStorage = [Float](repeating: 0, count: task.state.parameterCount) }
            try pendingStorage.withUnsafeMutableBytes { try communicator.broadcast($0, root: root) }
            hasPendingGradients = true
        }
    }

    // MARK: - Identity

    /// A hash of what must not change across ranks or resumes: the model's state layout, the dataset manifest,
    /// classes, image size, seed, global batch and hyperparameters.
    static func identity(config: ExperimentConfig, dataset: Dataset, state: ModelState) throws -> String {
        var hasher = SHA256()
        let manifest = (try? Data(contentsOf: URL(fileURLWithPath: "\(dataset.directory)/dataset.json"))) ?? Data()
        hasher.update(Array(manifest))
        let layout = state.entries.map { "\($0.name)\($0.shape)" }.joined(separator: ";")
        let settings = "\(layout)|\(config.classes ?? -1)|\(config.imgsz)|\(config.seed)|\(config.batch)|\(config.nominalBatch)|\(config.hyp)|"
            + "\(config.optimizer.rawValue)|\(config.schedule.rawValue)|\(config.milestones)|\(config.window)|\(config.preprocess.rawValue)|\(config.trainSplit)"
        hasher.update(Array(settings.utf8))
        if !config.referenceQuirks.isEmpty { hasher.update(Array(config.referenceQuirks.map(\.rawValue).sorted().joined(separator: ",").utf8)) }
        if let order = config.sampleOrder {
            // A fixed order is part of the run: resuming with another would not continue it.
            hasher.update(Array((try? Data(contentsOf: URL(fileURLWithPath: config.resolve(order)))) ?? Data()))
        }
        return hasher.finalize().hex
    }

    /// Every rank must run the same configuration, model and dataset: the identities are gathered and compared.
    static func verifySameRun(identity: String, communicator: Communicator) throws {
        guard communicator.size > 1 else { return }
        let all = try communicator.allgather(Array(identity.utf8))
        if let differing = all.indices.first(where: { all[$0] != all[0] }) {
            throw CommunicationError(rank: communicator.rank, operation: "startup check",
                                     message: "rank \(differing) runs a different configuration, model or dataset than rank 0")
        }
    }

    private func epochHeader() -> String {
        "epoch \(progress.position.epoch + 1)/\(config.epochs): " + task.lossNames.joined(separator: ", ")
    }
}

/// Appends lines to one rank's sample record (created with its directory on first use).
private final class SampleLog {
    let path: String
    private let handle: FileHandle

    init(path: String) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
        } catch {
            throw ConfigurationError(file: path, message: "cannot open the sample record: \(error.localizedDescription)")
        }
    }

    func append(_ line: String) throws {
        do { try handle.write(contentsOf: Data((line + "\n").utf8)) } catch {
            throw ConfigurationError(file: path, message: "cannot append: \(error.localizedDescription)")
        }
    }
}

/// Wraps the optimizer's state with the accumulated gradients of an unfinished accumulation, for a checkpoint.
private final class CheckpointedOptimizer: Optimizer {
    let base: Optimizer
    let pending: [Float]
    init(_ base: Optimizer, pending: [Float]) { self.base = base; self.pending = pending }
    func step(learningRates: [ParameterGroup: Double], momentum: Double) { base.step(learningRates: learningRates, momentum: momentum) }
    var stateBuffers: [String: [Float]] {
        var buffers = base.stateBuffers
        if !pending.isEmpty { buffers["accumulated_gradients"] = pending }
        return buffers
    }
    var stateCounters: [String: Int] { base.stateCounters }
    var followsMomentumWarmup: Bool { base.followsMomentumWarmup }
    func restore(buffers: [String: [Float]], counters: [String: Int]) throws { try base.restore(buffers: buffers, counters: counters) }
}

extension CommunicatorStatisticsReducer: StatisticsReducer {}
