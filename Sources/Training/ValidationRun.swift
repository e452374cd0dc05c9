import Support
import Models
import Shards
import RunFormat

/// `spd val`'s work: the model and task of a model file built for a dataset as `spd train` builds them, the weights
/// read from a safetensors file (strictly: every tensor must fit), and one validation pass over a split.
public enum ValidationRun {
    /// Evaluates `weightsFile` on `split` of `config.data`, with `config`'s image size, batch, classes (default: the
    /// dataset's), hyperparameters (for the validation losses) and classification preprocessing. Detection uses NMS
    /// IoU `nmsIoU`; classification reports the confusion matrix with the dataset's class names.
    /// With `keepPredictions` a detector's boxes per image come back too (`spd val --save-json`).
    public static func evaluate(config: ExperimentConfig, modelFile: String, weightsFile: String, split: String, nmsIoU: Float,
                                keepPredictions: Bool = false) throws -> ValidationResult {
        let dataset = try Dataset(directory: config.resolve(config.data))
        let images = try dataset.shards(split: split).reduce(0) { $0 + $1.samples }
        let classes = config.classes ?? dataset.manifest.classes.count
        guard classes >= 1 else { throw FileProblem(file: "\(dataset.directory)/dataset.json", message: "the dataset lists no classes") }
        let task = try TaskFactory.task(modelFile: modelFile, config: config, dataset: dataset, classes: classes, seed: 0, batch: config.batch)
        if let detection = task as? DetectionTask {
            detection.nmsIoU = nmsIoU
            detection.keepPredictions = keepPredictions
        }
        if let classification = task as? ClassificationTask {
            let names = dataset.manifest.classes
            classification.classNames = names.count == classes ? names : (0..<classes).map(String.init)
        }
        let names = dataset.manifest.classes.count == classes ? dataset.manifest.classes : nil
        let categoryIDs = dataset.manifest.extra?["coco_category_ids"].map { $0.split(separator: ",").compactMap { Int($0) } }.flatMap { $0.count == classes ? $0 : nil }
        let outcome = try evaluate(task, weightsFile: weightsFile, dataset: dataset, split: split, batch: config.batch)
        return ValidationResult(outcome: outcome, lossNames: task.lossNames, metricNames: task.metricNames, images: images, classNames: names,
                                categoryIDs: categoryIDs)
    }

    /// The side of the dataset's images when they all have one square size (the natural `imgsz` for it), else nil.
    public static func squareImageSide(ofDataset directory: String) throws -> Int? {
        let manifest = try DatasetManifest.read(from: "\(directory)/\(DatasetManifest.fileName)")
        guard case let .fixed(width, height) = manifest.imageSize, width == height else { return nil }
        return width
    }

    private static func evaluate<Task: TrainingTask>(_ task: Task, weightsFile: String, dataset: Dataset, split: String, batch: Int) throws -> ValidationOutcome {
        let weights = try task.state.readArenas(from: weightsFile)
        return try Validation.run(task, dataset: dataset, split: split, batch: batch, parameters: weights.parameters, buffers: weights.buffers)
    }
}
