import Foundation
import Models
import RunFormat

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
    public var accumulation: Int { Self.accumulation(globalBatch: globalBatch, nominalBatch: nominalBatch) }

    /// Weight decay scaled to the effective batch: weight_decay * batch * accumulation / nominal.
    public var weightDecay: Double { Self.weightDecay(hyperparameters, globalBatch: globalBatch, nominalBatch: nominalBatch) }

    /// max(round(nominal / global batch), 1), which does not depend on the epoch length.
    public static func accumulation(globalBatch: Int, nominalBatch: Int) -> Int {
        max(Int((Double(nominalBatch) / Double(globalBatch)).rounded()), 1)
    }

    /// weight_decay * batch * accumulation / nominal, which does not depend on the epoch length: what the optimizer
    /// is built with before any epoch's schedule exists.
    public static func weightDecay(_ hyperparameters: Hyperparameters, globalBatch: Int, nominalBatch: Int) -> Double {
        hyperparameters.weight_decay * Double(globalBatch * accumulation(globalBatch: globalBatch, nominalBatch: nominalBatch)) / Double(nominalBatch)
    }

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
