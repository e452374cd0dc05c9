import DetectionLoss
import Models
import Tensor
import Support

/// One detection training step's compute: forward (training mode), YOLOv5 loss with its gradient on the raw
/// head outputs, backward into the model's gradient arena (added to what is there, so micro-batches accumulate).
public final class DetectionStep {
    public let model: DetectionModel
    public let loss: YOLOLoss
    private var levelGradients: [Tensor] = []
    private var levelViews: [(raw: UnsafePointer<Float>, ny: Int, nx: Int)] = []
    private var gradientPointers: [UnsafeMutablePointer<Float>] = []

    /// `hyperparameters` as used by the loss (already scaled for the image size, see `scaledForTraining`).
    public init(model: DetectionModel, hyperparameters: LossHyperparameters) throws {
        self.model = model
        let detect = model.detect
        let strides = (0..<detect.levels).map { model.maximumStride >> (detect.levels - 1 - $0) }
        loss = try YOLOLoss(classes: detect.classes, anchorsInPixels: detect.anchorsInPixels, strides: strides, hyperparameters: hyperparameters)
    }

    /// Seconds of the last run's forward (with the loss) and backward passes.
    public private(set) var forwardSeconds = 0.0, backwardSeconds = 0.0

    /// Forward (batch-norm statistics from the batch when `training`), loss and backward on a batch of images
    /// [N, H, W, 3] with normalised targets; `gradientsReady` is passed to backward. With `replicas` (this
    /// batch is one rank's part of a data-parallel batch) the image and match counts are summed over the ranks and the
    /// loss is this rank's share of the whole batch's (see `LossNormalization`).
    @discardableResult
    public func run(images: Tensor, targets: [DetectionTarget], training: Bool = true,
                    replicas: StatisticsReducer? = nil, gradientsReady: ((Int) -> Void)? = nil) throws -> LossBreakdown {
        let start = monotonicSeconds()
        let levels = try model.forward(images, training: training)
        if levelGradients.count != levels.count {
            levelGradients = levels.map { _ in Tensor() }
            levelViews = levels.map { (raw: UnsafePointer($0.pointer), ny: 0, nx: 0) }
            gradientPointers = levelGradients.map(\.pointer)
        }
        for (i, level) in levels.enumerated() {
            levelGradients[i].reshape(level.shape)
            levelViews[i] = (raw: UnsafePointer(level.pointer), ny: level.shape.h, nx: level.shape.w)
            gradientPointers[i] = levelGradients[i].pointer
        }
        let normalization = try replicas.map { try wholeBatchNormalization(images: images.shape.n, targets: targets, replicas: $0) }
        let result = try loss.compute(levels: levelViews, batch: images.shape.n, targets: targets, gradients: gradientPointers,
                                      normalization: normalization)
        let middle = monotonicSeconds()
        model.backward(levelGradients, gradientsReady: gradientsReady)
        forwardSeconds = middle - start
        backwardSeconds = monotonicSeconds() - middle
        return result
    }

    /// This batch's image and per-level match counts summed over the replicas (one all-reduce).
    private func wholeBatchNormalization(images: Int, targets: [DetectionTarget], replicas: StatisticsReducer) throws -> LossNormalization {
        let counts = loss.matchCounts(levels: levelViews.map { (ny: $0.ny, nx: $0.nx) }, targets: targets)
        var sums = [Double(images)] + counts.map(Double.init)
        sums.withUnsafeMutableBufferPointer { replicas.sumAcrossReplicas($0) }
        if let failure = replicas.failure { throw failure }
        return LossNormalization(images: Int(sums[0]), matchesPerLevel: sums.dropFirst().map { Int($0) })
    }

    /// The loss of the last forward's head outputs (no gradients): the validation loss.
    public func lossOfLastForward(batch: Int, targets: [DetectionTarget]) throws -> LossBreakdown {
        let levels = model.detect.lastOutputs
        let views = levels.map { (raw: UnsafePointer($0.pointer), ny: $0.shape.h, nx: $0.shape.w) }
        return try loss.compute(levels: views, batch: batch, targets: targets, gradients: nil)
    }

    /// The gradient of the last loss with respect to each raw head output, [N][ny][nx][na * no].
    public var headGradients: [Tensor] { levelGradients }
}
