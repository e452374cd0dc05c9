import ArgumentParser
import Inference
import ONNX

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's weights as a safetensors state dict that PyTorch loads with load_state_dict(strict=True), or as an ONNX model.",
        discussion: """
        --format onnx writes an inference graph (opset 13) as YOLOv5's export.py --include onnx does: input 'images'
        [batch, 3, imgsz, imgsz] (RGB, 0-1), for a detector the output 'output' [batch, predictions, nc + 5] with the
        Detect head decoded (xywh in input pixels, objectness, class scores; NMS is left to the caller), for a ResNet
        'logits' [batch, classes]. The model file is the run's model.yaml unless --cfg names another.
        """)

    @Argument(help: "Run directory.") var runDirectory: String
    @Flag(help: ArgumentHelp("Which weights: the EMA (what validation uses and YOLOv5's best.pt holds; the default when the run has them) or the raw model weights."))
    var weights: Weights?
    @Option(help: "Checkpoint name (step-..., last or best); default: the newest valid one.") var checkpoint: String?
    @Option(help: "Output file.") var out: String
    @Option(help: "safetensors (a PyTorch state dict) or onnx (an inference graph).") var format: Format = .safetensors
    @Option(help: "ONNX input size (a multiple of the model's stride); default: the run's training image size.") var imgsz: Int?
    @Option(help: "ONNX: model file or name under configs/models; default: the run directory's model.yaml.") var cfg: String?

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case safetensors, onnx
    }

    enum Weights: String, EnumerableFlag {
        case ema, raw
    }

    func validate() throws {
        if format == .safetensors, imgsz != nil || cfg != nil { throw ValidationError("--imgsz and --cfg apply to --format onnx only") }
        if let imgsz, imgsz < 1 { throw ValidationError("--imgsz must be positive, got \(imgsz)") }
    }

    func run() throws {
        try reportingErrors {
            let choice: ExportedWeightsChoice = switch weights {
            case .ema: .ema
            case .raw: .raw
            case nil: .emaWhenPresent
            }
            func describe(_ exported: ExportedWeights) -> String {
                let note = weights == nil && !exported.isEMA ? " (the run trained without EMA)" : ""
                return "\(exported.isEMA ? "EMA" : "raw model") weights of \(exported.checkpoint)\(note)"
            }
            switch format {
            case .safetensors:
                let exported = try WeightsExport.export(runDirectory: runDirectory, checkpoint: checkpoint, weights: choice, to: out)
                print("\(exported.destination): \(describe(exported))")
            case .onnx:
                let exported = try ONNXExport.export(runDirectory: runDirectory, checkpoint: checkpoint, weights: choice, modelFile: cfg.map(resolveModelFile),
                                                     imageSize: imgsz, to: out, producerVersion: SPD.configuration.version)
                print("\(out): ONNX opset \(exportedOpset), \(exported.nodes) nodes, \(exported.inputDescription) -> \(exported.outputDescription); "
                      + "\(describe(exported.weights)), model \(exported.modelFile)")
            }
        }
    }
}
