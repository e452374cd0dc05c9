import Models
import Optim
import RunFormat

/// The optimizer side of a training step: YOLOv5's gradient accumulation (an optimizer step once `accumulation`
/// batches have been gathered since the last one; `epoch_start_zero_grad` drops them at an epoch start), the optimizer
/// with the schedule's learning rates and momentum, and the EMA (rank 0 only).
final class ParameterUpdate {
    let optimizer: Optimizer
    let accumulator = GradientAccumulator()
    var ema: ModelEMA?
    private let dropsAtEpochStart: Bool
    private let hypMomentum: Double

    /// What one update did, for the log.
    struct Result {
        var stepped: Bool
        var momentum: Double
        /// The batches whose gradients the step applied (0 when it only accumulated).
        var accumulatedBatches: Int
    }

    /// The optimizer `config` names, over `state`'s parameter arena.
    init(config: ExperimentConfig, state: ModelState) {
        let weightDecay = Float(OptimizerSchedule.weightDecay(config.hyp, globalBatch: config.batch, nominalBatch: config.nominalBatch))
        switch config.optimizer {
        case .sgd: optimizer = SGD(state: state, momentum: Float(config.hyp.momentum), nesterov: true, weightDecay: weightDecay)
        case .adam, .adamw: optimizer = AdamW(state: state, weightDecay: weightDecay, decoupled: config.optimizer == .adamw)
        }
        dropsAtEpochStart = config.referenceQuirks.contains(.epochStartZeroGrad)
        hypMomentum = config.hyp.momentum
    }

    /// Takes the step's averaged gradients (in `state`'s gradient buffer) at stream step `batchStep` of its epoch.
    func apply(to state: ModelState, settings: OptimizerSchedule.Settings, progress: inout TrainingProgress, batchStep: Int) -> Result {
        if batchStep == 0 && dropsAtEpochStart { accumulator.drop() }
        let stepsNow = progress.iteration - progress.lastOptimizerIteration >= settings.accumulation
        let momentum = optimizer.followsMomentumWarmup ? settings.momentum : hypMomentum
        // Since the last step, or since the epoch start when the quirk dropped the batches before it.
        let droppedBefore = dropsAtEpochStart ? progress.iteration - batchStep - 1 : -1
        let accumulatedBatches = stepsNow ? progress.iteration - max(progress.lastOptimizerIteration, droppedBefore) : 0
        accumulator.add(state.gradientBuffer, step: stepsNow)
        if stepsNow {
            optimizer.step(learningRates: settings.learningRates, momentum: momentum)
            ema?.update(from: state)
            progress.optimizerStepped()
        }
        return Result(stepped: stepsNow, momentum: momentum, accumulatedBatches: accumulatedBatches)
    }
}
