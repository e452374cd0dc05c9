import ArgumentParser
import Inference

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's weights as a safetensors state dict that PyTorch loads with load_state_dict(strict=True).")

    @Argument(help: "Run directory.") var runDirectory: String
    @Flag(help: "Export the EMA weights (what validation uses) instead of the raw model weights.") var ema = false
    @Option(help: "Checkpoint name (step-..., last or best); default: the newest valid one.") var checkpoint: String?
    @Option(help: "Output safetensors file.") var out: String

    func run() throws {
        try reportingErrors {
            let exported = try WeightsExport.export(runDirectory: runDirectory, checkpoint: checkpoint, ema: ema, to: out)
            print("\(exported.destination): \(ema ? "EMA" : "model") weights of \(exported.checkpoint)")
        }
    }
}
