import Support
import Augment
import Models
import RunFormat
import Shards
import DetectionLoss
import Tensor
import TensorFiles

/// How a model file becomes a training task: the one place in Training that knows which model family trains on
/// which kind of dataset, with which task and loss. `spd train` (TrainingRun), `spd val` (ValidationRun),
/// `spd bench train` and `spd model forward` build theirs here; a new family adds its case here and in Models'
/// `AnyModelDefinition`.
public enum TaskFactory {
    /// The task for `modelFile`'s family with `classes` outputs (nil: the file's), weights initialised from `seed`.
    /// With a `dataset`, an error naming the file when the dataset is of the other kind; without one (benchmarks),
    /// classification input is taken as it comes. The model must take `config.imgsz` and fit `batch` images of it
    /// in memory (`Model.checkFits`), checked before any activation is allocated.
    public static func task(modelFile: String, config: ExperimentConfig, dataset: Dataset?, classes: Int?, seed: UInt64, batch: Int) throws -> any TrainingTask {
        func require(_ kind: DatasetManifest.Task, _ family: String) throws {
            guard let dataset, dataset.manifest.task != kind else { return }
            throw FileProblem(file: modelFile, message: "is a \(family) model but \(dataset.directory) is a \(dataset.manifest.task) dataset")
        }
        switch try AnyModelDefinition(contentsOf: modelFile) {
        case let .detection(definition):
            try require(.detect, "detection")
            let model = try DetectionModel(definition: definition, classes: classes, seed: seed)
            try model.checkFits(imageSize: config.imgsz, batch: batch, training: true)
            let task = try DetectionTask(model: model, hyperparameters: config.hyp, imageSize: config.imgsz)
            if let names = dataset?.manifest.classes, names.count == model.detect.classes { task.classNames = names }
            return task
        case let .classification(definition):
            try require(.classify, "classification")
            let augmentation = try dataset.map { try classificationAugmentation(config, dataset: $0) }
                ?? ClassificationAugmentation(format: .rgb, preprocess: .none, cropPadding: 0, flipLeftRight: 0, rotationDegrees: 0)
            let model = try ClassificationModel(definition: definition, classes: classes, seed: seed)
            try model.checkFits(imageSize: config.imgsz, batch: batch, training: true)
            return ClassificationTask(model: model, augmentation: augmentation, labelSmoothing: config.hyp.label_smoothing)
        }
    }

    /// `spd model forward`: one forward pass (and with targets the loss and its gradients) of `weights` on the
    /// images of a .npy file, written to `directory` for comparison with the reference implementation. A
    /// classifier takes its class count from the weights' `fc.weight`, so weights trained for other classes load.
    /// `imageSize` is the size a detector's objectness gain is scaled for (default: the input's height).
    public static func exportForward(modelFile: String, weights: String, imagesFile: String, targetsFile: String?, training: Bool,
                                     imageSize: Int?, directory: String) throws {
        let images = try ForwardExport.readImages(imagesFile)
        switch try AnyModelDefinition(contentsOf: modelFile) {
        case let .classification(definition):
            let classes = try SafeTensorsFile(contentsOf: weights).tensors.first { $0.name == "fc.weight" }?.shape.first
            let model = try ClassificationModel(definition: definition, classes: classes)
            try model.state.load(from: weights)
            try ClassifierForwardExport(model: model, training: training).run(
                images: images, labels: try targetsFile.map { try ClassifierForwardExport.readLabels($0, classes: model.classes) }, directory: directory)
        case let .detection(definition):
            let model = try DetectionModel(definition: definition)
            try model.state.load(from: weights)
            let detect = model.detect
            let hyperparameters = LossHyperparameters().scaledForTraining(levels: detect.levels, classes: detect.classes, imageSize: imageSize ?? images.shape.h)
            try ForwardExport(model: model, training: training).run(
                images: images, targets: try targetsFile.map(ForwardExport.readTargets), hyperparameters: hyperparameters, directory: directory)
        }
    }

    /// Classification input: the dataset's images as RGB (the ResNet stems take 3 channels), padded or
    /// area-downsampled to `imgsz` when asked, with the recipe's crop/flip.
    private static func classificationAugmentation(_ config: ExperimentConfig, dataset: Dataset) throws -> ClassificationAugmentation {
        let preprocess: ClassificationPreprocess
        switch config.preprocess {
        case .pad:
            preprocess = .pad(width: config.imgsz, height: config.imgsz)
        case .area:
            guard case let .fixed(width, _) = dataset.manifest.imageSize, width % config.imgsz == 0 else {
                throw FileProblem(file: "\(dataset.directory)/dataset.json", message: "'preprocess: area' needs fixed-size images whose side is a multiple of imgsz \(config.imgsz)")
            }
            preprocess = .areaDownsample(factor: width / config.imgsz)
        case .none:
            preprocess = .none
        }
        return ClassificationAugmentation(format: .rgb, preprocess: preprocess, cropPadding: config.cropPadding, flipLeftRight: config.hyp.fliplr,
                                          rotationDegrees: config.hyp.degrees)
    }
}
