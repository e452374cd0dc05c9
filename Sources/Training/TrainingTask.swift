import Detection
import Plots
import Evaluation
import Foundation
import Models
import SampleStream
import Support
import Tensor

/// What one micro-batch of training gave.
public struct StepOutcome {
    /// Loss items per image, in `lossNames` order (YOLOv5's box/obj/cls, or the classification loss); a rank's share
    /// of them in data-parallel training.
    public var losses: [Double]
    /// Labels in the batch (detection boxes, or samples).
    public var labels: Int
    public var forwardSeconds: Double
    public var backwardSeconds: Double
}

/// Validation numbers for results.csv, in `metricNames` order, plus the fitness that selects the best checkpoint.
public struct ValidationOutcome {
    public var losses: [Double]
    public var metrics: [Double]
    public var fitness: Double
    /// Human-readable lines (e.g. COCO's 12 lines or a confusion matrix).
    public var report: [String]
    /// Pictures of the first batch by file name (a detector's val_batch0_labels.jpg and val_batch0_pred.jpg).
    public var pictures: [(name: String, tiles: [BatchPicture.Tile])] = []
    /// A detector's per-class precision, recall and AP (YOLOv5 val.py's table and curves).
    public var classMetrics: ClassMetrics? = nil
    /// A detector's confusion matrix (YOLOv5's, at confidence 0.25 and IoU 0.45).
    public var confusion: DetectionConfusionMatrix? = nil
    /// A detector's kept boxes per sample key, in the original image's pixels (when the task was asked to keep them).
    public var predictions: [(key: String, boxes: [DetectionBox])] = []
}

/// A task the trainer can run: detection or classification. It owns the model, turns stream batches into
/// forward/backward passes and evaluates a model on the validation split.
public protocol TrainingTask: AnyObject {
    associatedtype Example
    var state: ModelState { get }
    /// The model's context (for synchronised batch norm).
    var modelContext: ModelContext { get }
    var lossNames: [String] { get }
    var metricNames: [String] { get }
    /// The sample transform for training (augmentation) and validation (none).
    func trainingTransform() -> (inout SampleContext) throws -> Example
    func validationTransform() -> (inout SampleContext) throws -> Example
    /// Forward, loss and backward (gradients added to the arena). With `replicas` the examples are one rank's part
    /// of a data-parallel batch: the loss is normalised by the whole batch's counts (summed through `replicas`), so
    /// `losses` and the gradients are this rank's shares, which add up over the ranks to the whole batch's.
    func trainStep(_ examples: [Example], replicas: StatisticsReducer?, gradientsReady: ((Int) -> Void)?) throws -> StepOutcome
    /// `count` examples of random pixels at `imageSize`, with about 6 random boxes each (detection) or a random
    /// label: what `spd bench train` trains on.
    func syntheticExamples(count: Int, imageSize: Int, random: inout SeededGenerator) -> [Example]
    /// Evaluates this task's model with the given state values (the EMA) on validation batches.
    func validate(batches: () throws -> [Example]?, parameters: [Float], buffers: [Float]) throws -> ValidationOutcome
    /// Forward FLOPs per image of the last training forward (for throughput reports).
    var forwardFLOPsPerImage: Double { get }
    /// The batch as YOLOv5's train_batchN.jpg shows it (the augmented images with their boxes), or nil when the task
    /// draws none.
    func batchPicture(_ examples: [Example], classNames: [String]) -> [BatchPicture.Tile]?
    /// Makes the training transforms made from now on record the labels of `epoch`'s samples at `positions` (the
    /// samples the epoch trains on, each once; a detector; others ignore it).
    func recordLabels(epoch: Int, positions: Range<Int>)
    /// YOLOv5's labels.jpg (as SVG) of what every rank recorded since `recordLabels(epoch:)`, and stops recording; nil when
    /// nothing was recorded. A collective: every rank calls it at the same point, with `allgather` exchanging the
    /// ranks' records (of any length).
    func labelsPicture(classNames: [String]?, allgather: ([UInt8]) throws -> [[UInt8]]) throws -> String?
}
