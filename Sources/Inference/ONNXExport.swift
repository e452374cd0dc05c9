import Foundation
import Models
import ONNX
import POSIXFiles
import RunFormat
import Support
import TensorFiles

/// What `ONNXExport.export` wrote.
public struct ExportedONNX {
    public let weights: ExportedWeights
    public let modelFile: String
    public let imageSize: Int
    /// The graph's input: `images [batch, 3, imgsz, imgsz]`.
    public let inputDescription: String
    /// The graph's output: `output` [batch, predictions, nc + 5] for a detector, `logits` [batch, classes] for a classifier.
    public let outputDescription: String
    public let nodes: Int
}

/// Exports a checkpoint as an ONNX inference graph (opset `exportedOpset`), as YOLOv5's `export.py --include onnx`
/// does: NCHW float input `images` of a fixed square size and a symbolic batch, the Detect head decoded (or a
/// ResNet's logits), the weights as initializers under the reference names.
public enum ONNXExport {
    /// `modelFile` defaults to the run's model.yaml, `imageSize` to the run's training image size (config.yaml),
    /// else 640. The file is written atomically.
    public static func export(runDirectory: String, checkpoint: String? = nil, weights choice: ExportedWeightsChoice, modelFile: String? = nil,
                              imageSize: Int? = nil, to destination: String, producerVersion: String) throws -> ExportedONNX {
        guard let modelFile = modelFile ?? WeightsLocation.modelFile(ofRun: runDirectory) else {
            throw FileProblem(file: runDirectory, message: "no \(RunDirectory.modelFileName) here (runs record it since SPDTrain 0.7): give the model file with --cfg")
        }
        let selected = try WeightsExport.select(runDirectory: runDirectory, checkpoint: checkpoint, weights: choice)
        let size = imageSize ?? trainingImageSize(runDirectory) ?? 640
        let graph: ONNXGraph
        switch try AnyModelDefinition(contentsOf: modelFile) {
        case let .detection(definition):
            var model = try DetectionModel(definition: definition)
            let classes = Detector.classCount(in: selected.source, for: model)
            if classes != model.detect.classes { model = try DetectionModel(definition: definition, classes: classes) }
            try model.state.load(from: selected.source)
            graph = try ModelGraphs.detection(model, imageSize: size)
        case let .classification(definition):
            let classes = try classifierClasses(in: selected.source)
            let model = try ClassificationModel(definition: definition, classes: classes)
            try model.state.load(from: selected.source)
            graph = try ModelGraphs.classification(model, imageSize: size)
        }
        let bytes = graph.encoded(opset: exportedOpset, producerVersion: producerVersion, metadata: [
            ("checkpoint", selected.checkpoint), ("weights", selected.isEMA ? "ema" : "raw"), ("imgsz", String(size)),
        ])
        do { try writeAtomically(bytes, to: destination) } catch let error as FileAccessError {
            throw FileProblem(file: destination, message: "cannot write: \(error.reason)")
        }
        let weights = ExportedWeights(checkpoint: selected.checkpoint, source: selected.source, destination: destination, isEMA: selected.isEMA)
        return ExportedONNX(weights: weights, modelFile: modelFile, imageSize: size, inputDescription: graph.inputs[0].description, outputDescription: graph.outputs.map(\.description).joined(separator: ", "), nodes: graph.nodes.count)
    }

    /// The image size the run trained with, from its config.yaml.
    private static func trainingImageSize(_ runDirectory: String) -> Int? {
        (try? ExperimentConfig(contentsOf: "\(runDirectory)/config.yaml"))?.imgsz
    }

    /// A classifier's class count: the rows of its `fc.weight`.
    private static func classifierClasses(in weightsFile: String) throws -> Int {
        let shape = try SafeTensorsFile(contentsOf: weightsFile).info("fc.weight").shape
        guard shape.count == 2, shape[0] >= 1 else { throw FileProblem(file: weightsFile, message: "fc.weight has shape \(shape), not [classes, features]") }
        return shape[0]
    }
}
