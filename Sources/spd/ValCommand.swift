import ArgumentParser
import Datasets
import Foundation
import POSIXFiles
import Detection
import Support
import Inference
import Models
import Tensor
import Training
import RunFormat

struct ValCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "val",
        abstract: "Evaluate weights on a dataset split: COCO statistics for detectors, top-1/top-5 and a confusion matrix for classifiers.",
        discussion: """
        WEIGHTS is a safetensors state dict (then --cfg names the model), or a run directory: its config.yaml gives the \
        model, image size, classes and batch unless given here, and its best (else last) checkpoint's EMA weights are \
        evaluated. This is the trainer's own validation: detection runs NMS (conf 0.001, multi-label, 300 per image) with \
        IoU --iou (0.65, as YOLOv5's final val; the per-epoch validation uses 0.6) and computes the 12 COCO statistics on \
        boxes mapped back to the original images, then YOLOv5 val.py's table: precision, recall (at the confidence of the \
        best mean F1), mAP@.5 and mAP@.5:.95 for all classes and per class.
        """)

    @Option(help: "Weights: a safetensors state dict, or a run directory.") var weights: String
    @Option(help: "Dataset directory (dataset.json and shards), or a YOLOv5 data.yaml (converted once into cached shards).") var data: String
    @Option(help: "Model file or name under configs/models (default: the run's model).") var cfg: String?
    @Option(help: "Dataset split.") var split = "val"
    @Option(help: "Square input size (default: the run's, else the dataset's image side, else 640).") var imgsz: Int?
    @Option(help: "Images per batch (default: the run's batch, else 32).") var batch: Int?
    @Option(help: "NMS IoU threshold (detection).") var iou: Float = 0.65
    @Option(help: "Also write the metrics, losses and report as JSON to this file.") var json: String?
    @Option(name: .customLong("save-json"), help: ArgumentHelp("Write a detector's predictions as a COCO results file (image_id from the sample key, the COCO category ids of a dataset converted from COCO), as YOLOv5's --save-json.", valueName: "file"))
    var saveJSON: String?
    @OptionGroup var threads: ThreadsOption

    func run() throws {
        threads.apply()
        try reportingErrors {
            let (config, modelFile) = try configuration()
            try checkSaveJSON(modelFile: modelFile)
            let weightsFile = try WeightsLocation.resolve(weights)
            let result = try ValidationRun.evaluate(config: config, modelFile: modelFile, weightsFile: weightsFile, split: split, nmsIoU: iou,
                                                    keepPredictions: saveJSON != nil)
            print("spd val: \(weightsFile) (\(modelFile), imgsz \(config.imgsz)) on \(data) split \(split): \(result.images) images")
            for line in result.outcome.report { print(line) }
            for line in result.outcome.classMetrics?.table(names: result.classNames) ?? [] { print(line) }
            print(result.summaryLine)
            if let json { try writeJSON(result, weightsFile: weightsFile, modelFile: modelFile, imageSize: config.imgsz, to: json) }
            if let saveJSON { try writePredictions(result, to: saveJSON) }
        }
    }

    /// The settings to validate with: a run directory's config.yaml, or defaults; then this command's options.
    private func configuration() throws -> (ExperimentConfig, String) {
        var isDirectory: ObjCBool = false
        let isRun = FileManager.default.fileExists(atPath: weights, isDirectory: &isDirectory) && isDirectory.boolValue
        var config = isRun ? try ExperimentConfig(contentsOf: "\(weights)/config.yaml", repositoryRoot: repositoryRoot()) : ExperimentConfig()
        guard let model = cfg ?? (isRun ? config.model : nil) else {
            throw FileProblem(file: weights, message: "a weights file needs --cfg MODEL (a run directory names its model in config.yaml)")
        }
        // A YOLOv5 data.yaml is converted once into cached shards, as spd train does.
        config.data = YOLODataCache.isDataFile(data)
            ? try YOLODataCache.prepare(dataFile: data, options: ConversionOptions { FileHandle.standardError.write(Data("\($0)\n".utf8)) })
            : data
        if let batch { config.batch = batch } else if !isRun { config.batch = 32 }
        if let imgsz {
            config.imgsz = imgsz
        } else if !isRun {
            config.imgsz = try ValidationRun.squareImageSide(ofDataset: data) ?? config.imgsz
        }
        return (config, resolveModelFile(model))
    }

    /// `--save-json` needs a detector: refused before a classifier is validated.
    func checkSaveJSON(modelFile: String) throws {
        guard saveJSON != nil, case .classification = try AnyModelDefinition(contentsOf: modelFile) else { return }
        throw ValidationError("--save-json writes a detector's boxes; \(modelFile) is a classifier")
    }

    /// The COCO results file of `--save-json`.
    private func writePredictions(_ result: ValidationResult, to path: String) throws {
        let results = result.outcome.predictions.flatMap { key, boxes in
            boxes.map { box in
                COCOResult(imageID: COCOImageID(fileStem: key), categoryID: result.categoryIDs?[box.classIndex] ?? box.classIndex, box: box)
            }
        }
        do { try writeAtomically(Array(cocoResultsJSON(results).utf8), to: path) } catch {
            throw FileProblem(file: path, message: "cannot write: \(error)")
        }
        print("\(path): \(results.count) predictions on \(result.outcome.predictions.count) images (COCO results format)")
    }

    /// A detector's per-class rows (class, name, labels, P, R, AP50, AP), or none.
    private func perClassJSON(_ result: ValidationResult) -> [[String: Any]] {
        guard let metrics = result.outcome.classMetrics else { return [] }
        let precision = metrics.precision, recall = metrics.recall
        return metrics.classes.indices.map { i in
            let c = metrics.classes[i]
            return ["class": c.classIndex, "name": result.classNames?[c.classIndex] ?? "class\(c.classIndex)", "labels": c.labels,
                    "precision": precision[i], "recall": recall[i], "ap50": c.ap50, "ap": c.ap]
        }
    }

    private func writeJSON(_ result: ValidationResult, weightsFile: String, modelFile: String, imageSize: Int, to path: String) throws {
        let object: [String: Any] = [
            "weights": weightsFile, "model": modelFile, "data": data, "split": split, "images": result.images, "imgsz": imageSize, "nms_iou": iou,
            "metrics": Dictionary(uniqueKeysWithValues: zip(result.metricNames, result.outcome.metrics)),
            "losses": Dictionary(uniqueKeysWithValues: zip(result.lossNames, result.outcome.losses)),
            "fitness": result.outcome.fitness, "report": result.outcome.report,
            "classes": perClassJSON(result),
        ]
        let bytes = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        do { try bytes.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw FileProblem(file: path, message: "cannot write: \(error.localizedDescription)")
        }
    }
}
