import Imaging
import Augment
import Evaluation
import Foundation
import Plots
import Models
import SampleStream
import Tensor
import Support

/// Image classification (the ResNet family): pad-and-crop and flip augmentation, softmax cross-entropy with label
/// smoothing, top-1/top-5 validation with a confusion matrix. Fitness = top-1 accuracy.
public final class ClassificationTask: TrainingTask {
    public let model: ClassificationModel
    public let augmentation: ClassificationAugmentation
    public let labelSmoothing: Float
    /// When set, validation reports the confusion matrix with these class names (`spd val`); otherwise one line.
    public var classNames: [String]?
    private let makeEvaluationModel: () throws -> ClassificationModel
    private var evaluationModel: ClassificationModel?
    private let images = Tensor(), logitGradient = Tensor()
    private var labels: [Int] = []

    public init(model: ClassificationModel, augmentation: ClassificationAugmentation, labelSmoothing: Double) {
        self.model = model
        self.augmentation = augmentation
        self.labelSmoothing = Float(labelSmoothing)
        let definition = model.definition, classes = model.classes
        makeEvaluationModel = { try ClassificationModel(definition: definition, classes: classes) }
    }

    public var state: ModelState { model.state }
    public var modelContext: ModelContext { model.context }
    public var lossNames: [String] { ["loss"] }
    public var metricNames: [String] { ["accuracy_top1", "accuracy_top5"] }
    public var forwardFLOPsPerImage: Double { images.shape.n == 0 ? 0 : model.forwardFLOPs / Double(images.shape.n) }

    public func trainingTransform() -> (inout SampleContext) throws -> ClassificationExample {
        let augmentation = augmentation, classes = model.classes
        return { try augmentation.trainingExample(from: &$0, classes: classes) }
    }

    public func validationTransform() -> (inout SampleContext) throws -> ClassificationExample {
        let augmentation = augmentation, classes = model.classes
        return { try augmentation.validationExample(from: &$0, classes: classes) }
    }

    public func syntheticExamples(count: Int, imageSize: Int, random: inout SeededGenerator) -> [ClassificationExample] {
        (0..<count).map { index in
            let pixels = (0..<imageSize * imageSize * 3).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            return ClassificationExample(key: "synthetic-\(index)", image: Image(width: imageSize, height: imageSize, format: .rgb, pixels: pixels),
                                         label: Int(random.next() % UInt64(model.classes)))
        }
    }

    public func trainStep(_ examples: [ClassificationExample], replicas: StatisticsReducer?,
                          gradientsReady: ((Int) -> Void)?) throws -> StepOutcome {
        try collate(examples, images: images, labels: &labels)
        let start = monotonicSeconds()
        var wholeBatch = [Double(labels.count)]
        if let replicas {
            wholeBatch.withUnsafeMutableBufferPointer { replicas.sumAcrossReplicas($0) }
            if let failure = replicas.failure { throw failure }
        }
        let logits = try model.forward(images, training: true)
        logitGradient.reshape(logits.shape)
        logitGradient.zero()
        let loss = try Loss.softmaxCrossEntropy(logits: logits.pointer, labels: labels, classes: model.classes, labelSmoothing: labelSmoothing,
                                                gradient: logitGradient.pointer, meanOver: Int(wholeBatch[0]))
        let middle = monotonicSeconds()
        model.backward(logitGradient, gradientsReady: gradientsReady)
        return StepOutcome(losses: [loss], labels: labels.count, forwardSeconds: middle - start, backwardSeconds: monotonicSeconds() - middle)
    }

    public func validate(batches: () throws -> [ClassificationExample]?, parameters: [Float], buffers: [Float]) throws -> ValidationOutcome {
        let model = try evaluationModel ?? makeEvaluationModel()
        evaluationModel = model
        model.state.parameterBuffer.baseAddress!.update(from: parameters, count: parameters.count)
        model.state.bufferBuffer.baseAddress!.update(from: buffers, count: buffers.count)
        var metrics = ClassificationMetrics(classCount: model.classes)
        var lossSum = 0.0, batches_ = 0
        while let examples = try batches() {
            try collate(examples, images: images, labels: &labels)
            let logits = try model.forward(images, training: false)
            lossSum += try Loss.softmaxCrossEntropy(logits: logits.pointer, labels: labels, classes: model.classes, gradient: nil)
            try metrics.add(logits: logits.values, labels: labels)
            batches_ += 1
        }
        return ValidationOutcome(losses: [lossSum / Double(max(batches_, 1))], metrics: [metrics.top1Accuracy, metrics.top5Accuracy],
                                 fitness: metrics.top1Accuracy,
                                 report: classNames.map { metrics.report(classNames: $0).split(separator: "\n").map(String.init) }
                                     ?? ["top-1 \(metrics.top1Accuracy), top-5 \(metrics.top5Accuracy) on \(metrics.sampleCount) images"])
    }
}

extension ClassificationTask {
    /// No train_batch pictures for classifiers (YOLOv5 draws them for detection).
    public func batchPicture(_ examples: [ClassificationExample], classNames: [String]) -> [BatchPicture.Tile]? { nil }

    /// No labels.jpg for classifiers either.
    public func recordLabels(epoch: Int, positions: Range<Int>) {}
    public func labelsPicture(classNames: [String]?, allgather: ([UInt8]) throws -> [[UInt8]]) throws -> String? { nil }
}
