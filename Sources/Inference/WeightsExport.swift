import Checksum
import Foundation
import POSIXFiles
import Support

/// What `WeightsExport.export` wrote.
public struct ExportedWeights {
    /// The checkpoint the weights came from.
    public let checkpoint: String
    /// The checkpoint file that was copied.
    public let source: String
    public let destination: String
    /// Whether they are the EMA weights.
    public let isEMA: Bool
}

/// Which of a checkpoint's weights to export.
public enum ExportedWeightsChoice: Sendable {
    /// The EMA weights, as YOLOv5's best.pt holds them; the raw weights when the run trained without EMA.
    case emaWhenPresent
    /// The EMA weights; an error when the checkpoint has none.
    case ema
    /// The raw model weights (what the optimizer updates).
    case raw
}

/// Exports a checkpoint's weights as a standalone safetensors state dict. Checkpoint weight files already are
/// state dicts under the reference names, dtypes and shapes (F32, I64 num_batches_tracked), loadable by PyTorch's
/// `load_state_dict(strict=True)`: the export copies the file's bytes after checking them against the sha256
/// state.json records, and writes the copy atomically.
public enum WeightsExport {
    /// Exports `checkpoint` (a name, `last` or `best`; by default the newest valid checkpoint) of `runDirectory`,
    /// the weights `choice` names, to `destination`.
    public static func export(runDirectory: String, checkpoint: String? = nil, weights choice: ExportedWeightsChoice,
                              to destination: String) throws -> ExportedWeights {
        let selected = try select(runDirectory: runDirectory, checkpoint: checkpoint, weights: choice)
        do { try writeAtomically(selected.bytes, to: destination) } catch let error as FileAccessError {
            throw FileProblem(file: destination, message: "cannot write: \(error.reason)")
        }
        return ExportedWeights(checkpoint: selected.checkpoint, source: selected.source, destination: destination, isEMA: selected.isEMA)
    }

    /// The weights file of a checkpoint that `choice` names, read and checked against the sha256 state.json records.
    static func select(runDirectory: String, checkpoint: String?, weights choice: ExportedWeightsChoice)
        throws -> (checkpoint: String, source: String, isEMA: Bool, bytes: [UInt8]) {
        let checkpoints = try RunCheckpoints(runDirectory: runDirectory)
        let name: String
        if let checkpoint {
            name = try checkpoints.resolve(checkpoint)
            _ = try checkpoints.store.validate(name, identity: nil)
        } else {
            name = try checkpoints.newestValid()
        }
        let ema: Bool
        switch choice {
        case .ema: ema = true
        case .raw: ema = false
        case .emaWhenPresent: ema = checkpoints.hasEMA(name)
        }
        let source = try checkpoints.weightsFile(of: name, ema: ema)
        let bytes: [UInt8]
        do { bytes = try readRegularFile(source, limit: 1 << 36) } catch let error as FileAccessError { throw FileProblem(file: source, message: error.reason) }
        let fileName = (source as NSString).lastPathComponent
        guard let expected = checkpoints.record(name)?.files[fileName], SHA256.hash(bytes).hex == expected else {
            throw FileProblem(file: source, message: "changed while it was being exported (its sha256 no longer matches state.json)")
        }
        return (name, source, ema, bytes)
    }
}
