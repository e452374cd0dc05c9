import ArgumentParser
import Inference

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's weights as a safetensors state dict that PyTorch loads with load_state_dict(strict=True).")

    @Argument(help: "Run directory.") var runDirectory: String
    @Flag(help: ArgumentHelp("Which weights: the EMA (what validation uses and YOLOv5's best.pt holds; the default when the run has them) or the raw model weights."))
    var weights: Weights?
    @Option(help: "Checkpoint name (step-..., last or best); default: the newest valid one.") var checkpoint: String?
    @Option(help: "Output safetensors file.") var out: String

    enum Weights: String, EnumerableFlag {
        case ema, raw
    }

    func run() throws {
        try reportingErrors {
            let choice: ExportedWeightsChoice = switch weights {
            case .ema: .ema
            case .raw: .raw
            case nil: .emaWhenPresent
            }
            let exported = try WeightsExport.export(runDirectory: runDirectory, checkpoint: checkpoint, weights: choice, to: out)
            let note = weights == nil && !exported.isEMA ? " (the run trained without EMA)" : ""
            print("\(exported.destination): \(exported.isEMA ? "EMA" : "raw model") weights of \(exported.checkpoint)\(note)")
        }
    }
}
