import Foundation
import Models

/// The learning-rate factor per epoch, lf(e): YOLOv5's cosine and linear, and step decay (ResNet recipes).
public enum LearningRateSchedule: Equatable, Sendable {
    case cosine
    case linear
    /// Multiply by `gamma` at each milestone epoch.
    case step(milestones: [Int], gamma: Double)

    /// lf(epoch) for a run of `epochs` epochs ending at `finalFactor` (hyp lrf).
    public func factor(epoch: Int, epochs: Int, finalFactor lrf: Double) -> Double {
        switch self {
        case .cosine:
            return ((1 - cos(Double(epoch) * .pi / Double(epochs))) / 2) * (lrf - 1) + 1
        case .linear:
            return (1 - Double(epoch) / Double(max(epochs - 1, 1))) * (1 - lrf) + lrf
        case let .step(milestones, gamma):
            return pow(gamma, Double(milestones.filter { epoch >= $0 }.count))
        }
    }
}

/// YOLOv5's per-iteration optimizer settings: warmup (over max(round(warmup_epochs * batches), warmup_min_iterations)
/// iterations) ramps the bias learning rate down from warmup_bias_lr and the others up from 0 to lr0 * lf(epoch),
/// momentum from warmup_momentum to momentum, and gradient accumulation from 1 to round(64 / global batch).
public struct OptimizerSchedule: Sendable {
    public let hyperparameters: Hyperparameters
    public let schedule: LearningRateSchedule
    public let epochs: Int
    public let batchesPerEpoch: Int
    public let globalBatch: Int
    /// YOLOv5's nominal batch (64): gradients are accumulated to about this many images per optimizer step.
    public let nominalBatch: Int
    /// Follow YOLOv5 v6.0's schedule lag (`ReferenceQuirk.lrEpochLag`): after warmup, epoch e runs at lf(e - 1).
    public let lagsOneEpoch: Bool

    public init(hyperparameters: Hyperparameters, schedule: LearningRateSchedule, epochs: Int, batchesPerEpoch: Int, globalBatch: Int,
                nominalBatch: Int = 64, lagsOneEpoch: Bool = false) {
        self.hyperparameters = hyperparameters
        self.schedule = schedule
        self.epochs = epochs
        self.batchesPerEpoch = batchesPerEpoch
        self.globalBatch = globalBatch
        self.nominalBatch = nominalBatch
        self.lagsOneEpoch = lagsOneEpoch
    }

    /// Batches accumulated per optimizer step after warmup: max(round(nominal / global batch), 1).
    public var accumulation: Int { max(Int((Double(nominalBatch) / Double(globalBatch)).rounded()), 1) }

    /// Weight decay scaled to the effective batch: weight_decay * batch * accumulation / nominal.
    public var weightDecay: Double { hyperparameters.weight_decay * Double(globalBatch * accumulation) / Double(nominalBatch) }

    /// Warmup length in iterations (batches).
    public var warmupIterations: Int {
        max(Int((hyperparameters.warmup_epochs * Double(batchesPerEpoch)).rounded()), hyperparameters.warmup_min_iterations)
    }

    public struct Settings: Equatable {
        public var learningRates: [ParameterGroup: Double]
        public var momentum: Double
        public var accumulation: Int
    }

    /// Settings for iteration `iteration` (batches since the start of training) in `epoch`.
    public func settings(iteration: Int, epoch: Int) -> Settings {
        let lr = hyperparameters.lr0 * schedule.factor(epoch: epoch, epochs: epochs, finalFactor: hyperparameters.lrf)
        let warmup = warmupIterations
        guard warmup > 0, iteration <= warmup else {
            // With the lag, the epoch in which warmup ended keeps its factor, and every later epoch takes the one before.
            let scheduled = lagsOneEpoch
                ? hyperparameters.lr0 * schedule.factor(epoch: max(epoch - 1, warmup / max(batchesPerEpoch, 1)), epochs: epochs, finalFactor: hyperparameters.lrf)
                : lr
            return Settings(learningRates: [.weight: scheduled, .batchNormWeight: scheduled, .bias: scheduled], momentum: hyperparameters.momentum,
                            accumulation: accumulation)
        }
        let t = Double(iteration) / Double(warmup)
        func interpolate(_ from: Double, _ to: Double) -> Double { from + (to - from) * t }
        return Settings(
            learningRates: [.weight: interpolate(0, lr), .batchNormWeight: interpolate(0, lr), .bias: interpolate(hyperparameters.warmup_bias_lr, lr)],
            momentum: interpolate(hyperparameters.warmup_momentum, hyperparameters.momentum),
            accumulation: max(1, Int(interpolate(1, Double(nominalBatch) / Double(globalBatch)).rounded(.toNearestOrEven))))
    }
}

/// Behaviours of the authors' YOLOv5 v6.0 training loop that SPDTrain does not copy by default, because they look like
/// bugs, but can follow for a like-for-like comparison (`reference_quirks:` in an experiment file).
public enum ReferenceQuirk: String, CaseIterable, Sendable {
    /// train.py resets the LambdaLR scheduler's `last_epoch` to -1 after its first step, so after warmup epoch e runs
    /// at lr0 * lf(e - 1) and the final epoch never reaches lf(epochs - 1). SPDTrain's default: epoch e at lf(e).
    case lrEpochLag = "lr_epoch_lag"
    /// train.py calls optimizer.zero_grad() at every epoch start, dropping the gradients accumulated since the last
    /// optimizer step (with 8 batches per epoch and accumulate 8, each step applies 3 batches). SPDTrain's default
    /// carries them into the next epoch's first step.
    case epochStartZeroGrad = "epoch_start_zero_grad"
}
