import Augment
import Models
import RunFormat
import Shards

/// How a model file becomes a training task for a dataset: the one place that knows which model family trains on
/// which kind of dataset, with which task. `spd train` (TrainingRun) and `spd val` (ValidationRun) build theirs here.
enum TaskFactory {
    /// The task for `modelFile`'s family with `classes` outputs, weights initialised from `seed`; an error naming the
    /// file when the dataset is of the other kind.
    static func task(modelFile: String, config: ExperimentConfig, dataset: Dataset, classes: Int, seed: UInt64) throws -> any TrainingTask {
        func require(_ kind: DatasetManifest.Task, _ family: String) throws {
            guard dataset.manifest.task == kind else {
                throw ConfigurationError(file: modelFile, message: "is a \(family) model but \(dataset.directory) is a \(dataset.manifest.task) dataset")
            }
        }
        switch try AnyModelDefinition(contentsOf: modelFile) {
        case let .detection(definition):
            try require(.detect, "detection")
            return try DetectionTask(model: DetectionModel(definition: definition, classes: classes, seed: seed), hyperparameters: config.hyp,
                                     imageSize: config.imgsz)
        case let .classification(definition):
            try require(.classify, "classification")
            return ClassificationTask(model: try ClassificationModel(definition: definition, classes: classes, seed: seed),
                                      augmentation: try classificationAugmentation(config, dataset: dataset), labelSmoothing: config.hyp.label_smoothing)
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
                throw ConfigurationError(file: "\(dataset.directory)/dataset.json", message: "'preprocess: area' needs fixed-size images whose side is a multiple of imgsz \(config.imgsz)")
            }
            preprocess = .areaDownsample(factor: width / config.imgsz)
        case .none:
            preprocess = .none
        }
        return ClassificationAugmentation(format: .rgb, preprocess: preprocess, cropPadding: config.cropPadding, flipLeftRight: config.hyp.fliplr,
                                          rotationDegrees: config.hyp.degrees)
    }
}
