import Foundation
import Support

/// Where `spd detect --weights` finds its weights: a safetensors state dict, or a run directory, whose
/// `best` checkpoint (else `last`) is validated and whose EMA weights (else model weights) are used.
public enum WeightsLocation {
    /// The safetensors file `path` stands for.
    public static func resolve(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileProblem(file: path, message: "no such weights file or run directory")
        }
        guard isDirectory.boolValue else { return path }
        let checkpoints = try RunCheckpoints(runDirectory: path)
        var problems: [String] = []
        for link in ["best", "last"] {
            guard let name = checkpoints.target(ofLink: link) else { continue }
            do {
                _ = try checkpoints.store.validate(name, identity: nil)
            } catch {
                problems.append("\(link): \(error)")
                continue
            }
            return try checkpoints.weightsFile(of: name, ema: checkpoints.hasEMA(name))
        }
        throw FileProblem(file: path, message: "no usable best or last checkpoint" + (problems.isEmpty ? "" : " (\(problems.joined(separator: "; ")))"))
    }
}
