import Foundation

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

/// `optimizer:` in an experiment.
public enum OptimizerKind: String, CaseIterable, Sendable {
    /// SGD with Nesterov momentum (YOLOv5's default).
    case sgd
    /// PyTorch's Adam with L2 weight decay (what YOLOv5's `--adam` uses).
    case adam
    /// Adam with decoupled weight decay.
    case adamw
}

/// `schedule:` in an experiment: the learning-rate factor per epoch (see `LearningRateSchedule`).
public enum ScheduleKind: String, CaseIterable, Sendable {
    case cosine, linear, step
}

/// `preprocess:` in a classification experiment: the input as it is, zero-padded to imgsz, or area-downsampled to it.
public enum InputPreprocess: String, CaseIterable, Sendable {
    case none, pad, area
}

extension CaseIterable where Self: RawRepresentable, Self.RawValue == String {
    /// "a, b or c": the values a setting accepts, for error messages.
    static var choices: String {
        let names = allCases.map(\.rawValue)
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
