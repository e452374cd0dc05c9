import Distributed
import Foundation
import Models
import Optim
import RunFormat
import SampleStream
import Shards
import Support

/// The data-parallel training loop, the same code on every rank. Each step: this rank's slice of the global batch
/// from the sample stream, forward + loss + backward with gradient buckets all-reduced while backward runs, YOLOv5's
/// warmup / accumulation / schedule, the optimizer, the EMA (rank 0). Its collaborators: `RunStart` (resume or
/// start), `ReplicaSync` (what keeps the replicas one model), `CheckpointPolicy`, `RunLogger` (rank 0's output).
public final class Trainer<Task: TrainingTask> {
    public let config: ExperimentConfig
    public let task: Task
    public let dataset: Dataset
    public let communicator: Communicator
    private let logger: RunLogger
    /// The run directory (rank 0; nil on the other ranks).
    public var run: RunDirectory? { logger.run }
    private let layout: StreamLayout
    private let update: ParameterUpdate
    private let gradientSum: GradientAllreduce
    private let sync: ReplicaSync
    private var progress: TrainingProgress
    private var checkpointPolicy: CheckpointPolicy
    private let sampleLog: SampleLog?
    /// Samples this rank left out in the current epoch (skip_bad).
    private var skippedThisEpoch: [BadSample] = []
    /// The run's fixed sample order (`sample_order`), or nil for the seeded shuffle.
    private let fixedOrder: SampleOrderFile?
    /// Whether every rank has seen the stop request of a signal (agreed at the last step's all-reduce).
    private var stopAgreed = false

    /// `runDirectory` is written by rank 0 only; `output` prints a line (rank 0's terminal or log).
    public init(config: ExperimentConfig, task: Task, dataset: Dataset, communicator: Communicator, runDirectory: String,
                resume: ResumeMode, output: @escaping (String) -> Void, interactive: Bool) throws {
        (self.config, self.task, self.dataset, self.communicator) = (config, task, dataset, communicator)
        logger = RunLogger(run: communicator.rank == 0 ? try RunDirectory(path: runDirectory) : nil, output: output, interactive: interactive,
                           lossNames: task.lossNames, metricNames: task.metricNames, epochs: config.epochs)
        logger.classNames = dataset.manifest.classes.isEmpty ? nil : dataset.manifest.classes
        let store = CheckpointStore(directory: "\(runDirectory)/checkpoints", keep: config.keepCheckpoints)
        checkpointPolicy = CheckpointPolicy(store: store, everySteps: config.checkpointEverySteps, everyMinutes: config.checkpointEveryMinutes)
        let identity = try RunIdentity.verifySame(RunIdentity.of(config: config, dataset: dataset, state: task.state), communicator: communicator)
        layout = try StreamLayout(globalBatch: config.batch, worldSize: communicator.size, rank: communicator.rank)
        let state = task.state
        update = ParameterUpdate(config: config, state: state)
        gradientSum = GradientAllreduce(communicator: communicator, gradients: state.gradientBuffer, bucketBytes: Int(config.bucketMB * 1_048_576))
        sync = ReplicaSync(communicator: communicator)
        sampleLog = config.recordSamples ? try SampleLog(path: "\(runDirectory)/samples/rank-\(communicator.rank).txt") : nil
        fixedOrder = try config.sampleOrder.map { try SampleOrderFile(path: config.resolve($0), dataset: dataset, split: config.trainSplit) }
        if let fixedOrder, fixedOrder.epochs.count < config.epochs {
            throw FileProblem(file: fixedOrder.path, message: "lists \(fixedOrder.epochs.count) epoch(s) but the run trains \(config.epochs)")
        }
        (progress, update.ema) = try RunStart(config: config, checkpoints: store, identity: identity, sync: sync, logger: logger).begin(
            resume, state: state, optimizer: update.optimizer, accumulator: update.accumulator,
            fresh: .start(worldSize: communicator.size, globalBatch: config.batch, identity: identity, lossCount: task.lossNames.count))
    }

    /// Runs until the configured number of epochs; returns the final progress (results of every epoch).
    @discardableResult
    public func train() throws -> TrainingProgress {
        task.modelContext.statisticsReducer = config.syncBN ? sync.sums : nil
        return try logger.runs(from: progress, worldSize: communicator.size) {
            let finished = try trainEpochs()
            return (finished, progress)
        }
    }

    /// Trains to the last epoch (true), or until `stop_after_iterations` (false, after a checkpoint).
    private func trainEpochs() throws -> Bool {
        while progress.position.epoch < config.epochs {
            // labels.jpg from the labels every rank reads in a fresh run's first epoch: all the training labels, as in YOLOv5.
            let drawsLabels = progress.iteration == 0
            if drawsLabels {
                // Every sample the epoch trains on, once: not the wrapped repeats of its last step, nor what prefetching
                // reads past a `max_steps_per_epoch` cut.
                let samples = try dataset.shards(split: config.trainSplit).reduce(0) { $0 + $1.samples }
                let trained = config.maxStepsPerEpoch > 0 ? min(samples, config.maxStepsPerEpoch * config.batch) : samples
                task.recordLabels(epoch: progress.position.epoch, positions: 0..<trained)
            }
            let stream = try SampleStream(dataset: dataset, split: config.trainSplit, seed: UInt64(config.seed), window: config.window,
                                          layout: layout, start: progress.position, prefetch: 2, skipBad: config.skipBad,
                                          fixedOrder: fixedOrder, transform: task.trainingTransform())
            defer { stream.stop() }
            let steps = config.maxStepsPerEpoch > 0 ? min(stream.stepsPerEpoch, config.maxStepsPerEpoch) : stream.stepsPerEpoch
            let schedule = OptimizerSchedule(hyperparameters: config.hyp, schedule: config.learningRateSchedule, epochs: config.epochs,
                                             batchesPerEpoch: steps, globalBatch: config.batch, nominalBatch: config.nominalBatch,
                                             lagsOneEpoch: config.referenceQuirks.contains(.lrEpochLag))
            if progress.position.step == 0 { logger.epochStarts(progress.position.epoch) }
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
                if stopsEarly && progress.position.step < steps {
                    try saveCheckpoint(isBest: false)
                    return false
                }
            }
            try finishEpoch(schedule: schedule)
            if drawsLabels, let svg = try task.labelsPicture(classNames: logger.classNames, allgather: communicator.allgatherVariable) {
                logger.picture("labels.jpg", svg: svg)
            }
            if stopsEarly && progress.position.epoch < config.epochs { return false }
        }
        return true
    }

    private var stopsEarly: Bool { config.stopAfterIterations > 0 && progress.iteration >= config.stopAfterIterations }

    /// After a step on which the ranks agreed to stop: one checkpoint (unless this step just wrote one), a
    /// `preempted` event, and `TrainingStopped`.
    private func stopAtSignal() throws -> Never {
        if checkpointPolicy.lastIteration != progress.iteration { try saveCheckpoint(isBest: false) }
        let signal = StopSignals.requested.map(StopSignals.name) ?? "a signal to another rank"
        let checkpoint = CheckpointStore.name(step: progress.iteration)
        try logger.event("preempted", ["signal": signal, "epoch": progress.position.epoch, "step": progress.position.step,
                                       "iteration": progress.iteration, "checkpoint": checkpoint])
        throw TrainingStopped(signal: signal, checkpoint: checkpoint, iteration: progress.iteration)
    }

    private func trainStep(_ batch: StreamBatch<Task.Example>, schedule: OptimizerSchedule, dataWait: Double, stepsInEpoch: Int) throws {
        let settings = schedule.settings(iteration: progress.iteration, epoch: batch.epoch)
        let state = task.state
        let stepStart = monotonicSeconds()
        // Recorded before this rank's gradient goes out: once it has, the other ranks can finish the step and
        // checkpoint it even if this rank dies right after.
        try sampleLog?.append("\(batch.epoch) \(batch.step) " + batch.keys.joined(separator: " "))
        state.zeroGradients()
        gradientSum.resetTimers()
        // Each rank's loss is its share of the whole batch's (normalised by the whole batch's counts), so the
        // ranks' gradients add up to the whole batch's: summed over the ranks as backward produces them.
        var reduceFailure: Error?
        let share = try task.trainStep(batch.examples, replicas: sync.sums, gradientsReady: { [gradientSum] ready in
            do { try gradientSum.gradientsReady(ready) } catch { reduceFailure = reduceFailure ?? error }
        })
        if let failure = reduceFailure ?? sync.sums?.failure { throw failure }
        try gradientSum.finish()
        let outcome: StepOutcome
        (outcome, stopAgreed) = try sync.wholeBatch(share)
        // Every rank holds the same summed losses, so every rank stops here together, before the update.
        if let bad = outcome.losses.firstIndex(where: { !$0.isFinite }) {
            throw TrainingDiverged(epoch: batch.epoch, step: batch.step, iteration: progress.iteration, loss: task.lossNames[bad],
                                   value: outcome.losses[bad],
                                   lastCheckpoint: checkpointPolicy.lastIteration >= 0 ? CheckpointStore.name(step: checkpointPolicy.lastIteration) : nil)
        }
        let optimizerStart = monotonicSeconds()
        let applied = update.apply(to: state, settings: settings, progress: &progress, batchStep: batch.step)
        let optimizerSeconds = monotonicSeconds() - optimizerStart
        let stepSeconds = monotonicSeconds() - stepStart + dataWait
        progress.finishStep(epoch: batch.epoch, step: batch.step, losses: outcome.losses, seconds: stepSeconds)
        if applied.stepped && progress.optimizerSteps % config.replicaCheckEvery == 0 && communicator.size > 1 {
            try ReplicaCheck.verify(UnsafeBufferPointer(state.parameterBuffer), communicator: communicator, step: progress.optimizerSteps)
        }
        if progress.iteration <= 3, logger.run != nil, let tiles = task.batchPicture(batch.examples, classNames: logger.classNames ?? []) {
            // YOLOv5's train_batch0-2.jpg: the first three batches of the run as augmented (this rank's part).
            logger.batchPicture("train_batch\(progress.iteration - 1).jpg", tiles)
        }
        let lr = settings.learningRates
        try logger.step(RunLogger.Step(
            epoch: batch.epoch, step: batch.step, steps: stepsInEpoch, iteration: progress.iteration, optimizerStep: progress.optimizerSteps,
            losses: outcome.losses, meanLosses: progress.epochLossSums.map { $0 / Double(progress.epochBatches) }, labels: outcome.labels,
            learningRates: [lr[.batchNormWeight] ?? 0, lr[.weight] ?? 0, lr[.bias] ?? 0], momentum: applied.momentum, accumulation: settings.accumulation,
            accumulatedBatches: applied.accumulatedBatches, imagesPerSecond: Double(config.batch) / stepSeconds,
            times: ["step": stepSeconds, "data_wait": dataWait, "forward": outcome.forwardSeconds, "backward": outcome.backwardSeconds,
                    "allreduce_overlapped": gradientSum.overlapSeconds, "allreduce_wait": gradientSum.waitSeconds, "optimizer": optimizerSeconds]),
            logNow: progress.iteration % config.logEvery == 0 || batch.step == stepsInEpoch - 1)
        if applied.stepped, batch.step < stepsInEpoch - 1, try checkpointPolicy.isDue(optimizerSteps: progress.optimizerSteps, communicator: communicator) {
            try saveCheckpoint(isBest: false)
        }
    }

    private func finishEpoch(schedule: OptimizerSchedule) throws {
        let epoch = progress.position.epoch
        logger.epochStepsDone()
        if config.skipBad {
            try logger.skipped(sync.gather(skippedThisEpoch.map(\.message)), epoch: epoch)
            skippedThisEpoch.removeAll()
        }
        let lr = schedule.settings(iteration: progress.iteration, epoch: epoch).learningRates
        var row = EpochResult(epoch: epoch, trainLosses: progress.epochLossSums.map { $0 / Double(max(progress.epochBatches, 1)) }, metrics: [],
                              validationLosses: [], learningRates: [lr[.batchNormWeight] ?? 0, lr[.weight] ?? 0, lr[.bias] ?? 0], seconds: progress.epochSeconds)
        var isBest = false
        if (epoch + 1) % config.valEvery == 0 || epoch + 1 == config.epochs {
            if communicator.rank == 0 {
                // The EMA weights (or the model's when EMA is off) on the whole validation split.
                let outcome = try Validation.run(task, dataset: dataset, split: config.valSplit, batch: config.batch,
                                                 parameters: update.ema?.parameters ?? Array(task.state.parameterBuffer),
                                                 buffers: update.ema?.buffers ?? Array(task.state.bufferBuffer))
                (row.metrics, row.validationLosses) = (outcome.metrics, outcome.losses)
                // A validation with a non-finite loss, metric or fitness (diverged weights) is never the best.
                let finite = outcome.fitness.isFinite && outcome.losses.allSatisfy(\.isFinite) && outcome.metrics.allSatisfy(\.isFinite)
                isBest = finite && outcome.fitness > (progress.bestFitness ?? -.infinity)
                if isBest { progress.bestFitness = outcome.fitness }
                logger.validated(outcome, epoch: epoch)
            }
            try communicator.barrier()
        }
        progress.finishEpoch(row)
        // Learning rates follow the epoch (YOLOv5 steps its LambdaLR scheduler at epoch ends).
        try saveCheckpoint(isBest: isBest)
        try logger.epochEnds(results: progress.results, bestFitness: progress.bestFitness)
    }

    private func saveCheckpoint(isBest: Bool) throws {
        progress.bestCheckpoint = try checkpointPolicy.save(progress, isBest: isBest, state: task.state, ema: update.ema, optimizer: update.optimizer,
                                                            accumulator: update.accumulator, communicator: communicator, logger: logger)
    }
}
