import Augment
import Distributed
import Foundation
import Models
import Shards
import Tensor
import RunFormat

/// `spd train`'s work on one rank: the configuration's model, dataset and task, the run directory (config.yaml on
/// rank 0), and the trainer.
public enum TrainingRun {
    /// Builds everything from `config` and trains. `modelFile` is the resolved model file path.
    public static func train(config: ExperimentConfig, modelFile: String, communicator: Communicator, runDirectory: String,
                             resume: ResumeMode, interactive: Bool, output: @escaping (String) -> Void) throws -> TrainingProgress {
        let dataset = try Dataset(directory: config.resolve(config.data))
        let classes = config.classes ?? dataset.manifest.classes.count
        guard classes >= 1 else { throw ConfigurationError(file: "\(dataset.directory)/dataset.json", message: "the dataset lists no classes") }
        if communicator.rank == 0 {
            output("spd train: \(config.name) on \(communicator.size) rank(s), global batch \(config.batch) (\(config.batch / max(communicator.size, 1)) per rank), "
                   + "\(config.epochs) epochs, run directory \(runDirectory)")
            output(BLASCore.description)
        }
        switch try AnyModelDefinition(contentsOf: modelFile) {
        case let .detection(definition):
            guard dataset.manifest.task == .detect else {
                throw ConfigurationError(file: modelFile, message: "is a detection model but \(dataset.directory) is a \(dataset.manifest.task) dataset")
            }
            let model = try DetectionModel(definition: definition, classes: classes, seed: UInt64(config.seed))
            let task = try DetectionTask(model: model, hyperparameters: config.hyp, imageSize: config.imgsz)
            return try start(config: config, task: task, dataset: dataset, communicator: communicator, runDirectory: runDirectory,
                             resume: resume, interactive: interactive, output: output)
        case let .classification(definition):
            guard dataset.manifest.task == .classify else {
                throw ConfigurationError(file: modelFile, message: "is a classification model but \(dataset.directory) is a \(dataset.manifest.task) dataset")
            }
            let model = try ClassificationModel(definition: definition, classes: classes, seed: UInt64(config.seed))
            let task = ClassificationTask(model: model, augmentation: try classificationAugmentation(config, dataset: dataset),
                                          labelSmoothing: config.hyp.label_smoothing)
            return try start(config: config, task: task, dataset: dataset, communicator: communicator, runDirectory: runDirectory,
                             resume: resume, interactive: interactive, output: output)
        }
    }

    private static func start<Task: TrainingTask>(config: ExperimentConfig, task: Task, dataset: Dataset, communicator: Communicator,
                                                  runDirectory: String, resume: ResumeMode, interactive: Bool,
                                                  output: @escaping (String) -> Void) throws -> TrainingProgress {
        let trainer = try Trainer(config: config, task: task, dataset: dataset, communicator: communicator, runDirectory: runDirectory,
                                  resume: resume, output: output, interactive: interactive)
        try trainer.run?.write("config.yaml", config.resolvedYAML(worldSize: communicator.size))
        return try trainer.train()
    }

    /// Classification input: the dataset's images as RGB (the ResNet stems take 3 channels), padded or
    /// area-downsampled to `imgsz` when asked, with the recipe's crop/flip.
    static func classificationAugmentation(_ config: ExperimentConfig, dataset: Dataset) throws -> ClassificationAugmentation {
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
