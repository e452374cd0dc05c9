import Augment
import Detection
import DetectionLoss
import Evaluation
import Foundation
import Imaging
import Support
import Models
import Plots
import SampleStream
import Tensor
import RunFormat

/// YOLOv5-style detection training: augmentation (mosaic, perspective, HSV, flips), the YOLOv5 loss, and
/// validation with NMS (conf 0.001, IoU 0.6, multi-label, 300 per image) and the 12 COCO statistics on boxes mapped
/// back to the original images. Fitness = 0.1 AP50 + 0.9 AP.
public final class DetectionTask: TrainingTask {
    public let model: DetectionModel
    public let step: DetectionStep
    public let augmentation: DetectionAugmentation
    public let classes: Int
    public var nmsIoU: Float = 0.6
    /// The dataset's class names, for the validation pictures (class indices when nil).
    public var classNames: [String]?
    /// Whether validation returns every image's kept boxes (`spd val --save-json`).
    public var keepPredictions = false
    /// Where training transforms made from now on record the raw labels they read (for labels.jpg), or nil.
    public var labelStatistics: LabelStatistics?
    private let makeEvaluationModel: () throws -> DetectionModel
    private var evaluationModel: DetectionModel?
    private let images = Tensor()
    private var targets: [DetectionTarget] = []

    public init(model: DetectionModel, hyperparameters hyp: Hyperparameters, imageSize: Int) throws {
        self.model = model
        classes = model.detect.classes
        let loss = LossHyperparameters(box: hyp.box, obj: hyp.obj, cls: hyp.cls, clsPositiveWeight: hyp.cls_pw, objPositiveWeight: hyp.obj_pw,
                                       anchorThreshold: Float(hyp.anchor_t), labelSmoothing: hyp.label_smoothing, focalGamma: hyp.fl_gamma)
            .scaledForTraining(levels: model.detect.levels, classes: model.detect.classes, imageSize: imageSize)
        step = try DetectionStep(model: model, hyperparameters: loss)
        augmentation = DetectionAugmentation(
            imageSize: imageSize, mosaic: hyp.mosaic, mixup: hyp.mixup,
            perspective: RandomPerspective(degrees: hyp.degrees, translate: hyp.translate, scale: hyp.scale, shear: hyp.shear, perspective: hyp.perspective),
            hsv: HSVJitter(hue: hyp.hsv_h, saturation: hyp.hsv_s, value: hyp.hsv_v), flipUpDown: hyp.flipud, flipLeftRight: hyp.fliplr)
        let definition = model.definition, classes = model.detect.classes
        makeEvaluationModel = { try DetectionModel(definition: definition, classes: classes) }
    }

    public var state: ModelState { model.state }
    public var modelContext: ModelContext { model.context }
    public var lossNames: [String] { ["box_loss", "obj_loss", "cls_loss"] }
    /// COCO's statistics, then YOLOv5's precision and recall (at the best mean-F1 confidence), last so that results.csv
    /// rows of runs from before they existed keep their places.
    public var metricNames: [String] { ["mAP_0.5", "mAP_0.5:0.95", "AP75", "AP_S", "AP_M", "AP_L", "AR100", "AR_S", "precision", "recall"] }
    public var forwardFLOPsPerImage: Double { images.shape.n == 0 ? 0 : model.forwardFLOPs / Double(images.shape.n) }

    public func trainingTransform() -> (inout SampleContext) throws -> DetectionExample {
        let augmentation = augmentation, classes = classes, statistics = labelStatistics
        return { try augmentation.trainingExample(from: &$0, classes: classes, recording: statistics) }
    }

    public func validationTransform() -> (inout SampleContext) throws -> DetectionExample {
        let augmentation = augmentation, classes = classes
        return { try augmentation.validationExample(from: &$0, classes: classes) }
    }

    public func syntheticExamples(count: Int, imageSize: Int, random: inout SeededGenerator) -> [DetectionExample] {
        (0..<count).map { index in
            let pixels = (0..<imageSize * imageSize * 3).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            // About 6 objects per image, sizes from small to large.
            let boxes = (0..<6).map { _ -> LabeledBox in
                let x = random.uniform(0.1, 0.9) * Float(imageSize), y = random.uniform(0.1, 0.9) * Float(imageSize)
                let w = random.uniform(0.02, 0.5) * Float(imageSize), h = random.uniform(0.02, 0.5) * Float(imageSize)
                return LabeledBox(classIndex: Int(random.next() % UInt64(classes)), x1: max(x - w / 2, 0), y1: max(y - h / 2, 0),
                                  x2: min(x + w / 2, Float(imageSize)), y2: min(y + h / 2, Float(imageSize)))
            }
            return DetectionExample(key: "synthetic-\(index)", image: Image(width: imageSize, height: imageSize, format: .rgb, pixels: pixels), boxes: boxes)
        }
    }

    public func trainStep(_ examples: [DetectionExample], replicas: StatisticsReducer?,
                          gradientsReady: ((Int) -> Void)?) throws -> StepOutcome {
        try collate(examples, images: images, targets: &targets)
        let result = try step.run(images: images, targets: targets, replicas: replicas, gradientsReady: gradientsReady)
        return StepOutcome(losses: [result.box, result.objectness, result.classification], labels: targets.count,
                           forwardSeconds: step.forwardSeconds, backwardSeconds: step.backwardSeconds)
    }

    public func validate(batches: () throws -> [DetectionExample]?, parameters: [Float], buffers: [Float]) throws -> ValidationOutcome {
        let model = try evaluationModel ?? makeEvaluationModel()
        evaluationModel = model
        model.state.parameterBuffer.baseAddress!.update(from: parameters, count: parameters.count)
        model.state.bufferBuffer.baseAddress!.update(from: buffers, count: buffers.count)
        let validationStep = try DetectionStep(model: model, hyperparameters: step.loss.hyperparameters)
        var options = NMSOptions()
        options.confidenceThreshold = 0.001
        options.iouThreshold = nmsIoU
        options.multiLabel = true
        options.maxDetections = 300
        var annotations: [COCOAnnotation] = [], detections: [COCODetection] = [], imageIDs: [Int] = []
        var classMetrics = ClassMetricsAccumulator()
        var confusion = DetectionConfusionMatrix(classCount: classes)
        var pictures: [(name: String, tiles: [BatchPicture.Tile])] = []
        var keptPredictions: [(key: String, boxes: [DetectionBox])] = []
        var lossSums = [0.0, 0.0, 0.0], batchCount = 0
        var decoded: [Float] = []
        while let examples = try batches() {
            try collate(examples, images: images, targets: &targets)
            _ = try model.forward(images, training: false)
            let loss = try validationStep.lossOfLastForward(batch: examples.count, targets: targets)
            lossSums[0] += loss.box; lossSums[1] += loss.objectness; lossSums[2] += loss.classification
            batchCount += 1
            let stride = model.detect.predictionsPerImage * (classes + 5)
            if decoded.count != examples.count * stride { decoded = [Float](repeating: 0, count: examples.count * stride) }
            decoded.withUnsafeMutableBufferPointer { model.detect.decode(into: $0.baseAddress!) }
            let kept = nonMaxSuppression(decoded, batchSize: examples.count, classCount: classes, options: options)
            if pictures.isEmpty {
                // The first batch as YOLOv5's val_batch0_labels.jpg and val_batch0_pred.jpg (scores above 0.25).
                pictures = [("val_batch0_labels.jpg", examples.map(\.labelledTile)),
                            ("val_batch0_pred.jpg", zip(examples, kept).map { $0.predictionTile($1) })]
            }
            for (example, boxes) in zip(examples, kept) {
                let imageID = imageIDs.count
                imageIDs.append(imageID)
                guard let source = example.source else { continue }
                let gain = source.letterbox.ratio, padX = source.letterbox.padX, padY = source.letterbox.padY
                let truth = example.boxes.map { DetectionBox(x1: $0.x1, y1: $0.y1, x2: $0.x2, y2: $0.y2, score: 1, classIndex: $0.classIndex) }
                let labels = scaleBoxes(truth, gain: gain, padX: padX, padY: padY, imageWidth: source.width, imageHeight: source.height)
                for box in labels {
                    let coco = COCOBox(box)
                    annotations.append(COCOAnnotation(id: annotations.count + 1, imageID: imageID, categoryID: box.classIndex, box: coco, area: coco.area))
                }
                let predictions = scaleBoxes(boxes, gain: gain, padX: padX, padY: padY, imageWidth: source.width, imageHeight: source.height)
                for box in predictions {
                    detections.append(COCODetection(imageID: imageID, categoryID: box.classIndex, box: box))
                }
                let labelBoxes = labels.map(ClassMetricsAccumulator.Box.init), predictionBoxes = predictions.map(ClassMetricsAccumulator.Box.init)
                classMetrics.addImage(labels: labelBoxes, predictions: predictionBoxes)
                confusion.addImage(labels: labelBoxes, predictions: predictionBoxes)
                if keepPredictions { keptPredictions.append((example.key, predictions)) }
            }
        }
        let truth = COCOGroundTruth(imageIDs: imageIDs, categoryIDs: Array(0..<classes), annotations: annotations)
        let summary = try COCOEvaluator(groundTruth: truth).evaluate(detections)
        let v = summary.values.map { max($0, 0) }
        let perClass = classMetrics.result()
        return ValidationOutcome(losses: lossSums.map { $0 / Double(max(batchCount, 1)) },
                                 metrics: [v[1], v[0], v[2], v[3], v[4], v[5], v[8], v[9], perClass.meanPrecision, perClass.meanRecall],
                                 fitness: detectionFitness(ap50: v[1], ap: v[0]), report: summary.lines, pictures: pictures, classMetrics: perClass,
                                 confusion: confusion, predictions: keptPredictions)
    }
}

extension ClassMetricsAccumulator.Box {
    /// A detection or label box in image pixels.
    init(_ box: DetectionBox) {
        self.init(classIndex: box.classIndex, x1: Double(box.x1), y1: Double(box.y1), x2: Double(box.x2), y2: Double(box.y2), confidence: Double(box.score))
    }
}

extension DetectionTask {
    public func batchPicture(_ examples: [DetectionExample], classNames: [String]) -> [BatchPicture.Tile]? {
        examples.map(\.labelledTile)
    }

    public func recordLabels(epoch: Int, positions: Range<Int>) {
        labelStatistics = LabelStatistics(classes: classes, epoch: epoch, positions: positions)
    }

    public func labelsPicture(classNames: [String]?, allgather: ([UInt8]) throws -> [[UInt8]]) throws -> String? {
        defer { labelStatistics = nil }
        guard let labelStatistics else { return nil }
        return LabelsChart.svg(try LabelStatistics.merged(try allgather(labelStatistics.encoded()), classes: classes), classNames: classNames)
    }
}

extension DetectionExample {
    /// The example's image with its ground-truth boxes, for a batch picture.
    var labelledTile: BatchPicture.Tile {
        BatchPicture.Tile(image: image, name: key, boxes: boxes.map { ($0.classIndex, $0.x1, $0.y1, $0.x2, $0.y2, nil) })
    }

    /// The example's image with `predictions` (in its pixels), for a batch picture.
    func predictionTile(_ predictions: [DetectionBox]) -> BatchPicture.Tile {
        BatchPicture.Tile(image: image, name: key, boxes: predictions.map { ($0.classIndex, $0.x1, $0.y1, $0.x2, $0.y2, $0.score) })
    }
}
