import Foundation
import RunFormat
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

    /// The model file a run directory recorded (model.yaml), when `path` is a run directory that has one.
    public static func modelFile(ofRun path: String) -> String? { recordedFile(RunDirectory.modelFileName, ofRun: path) }

    /// The class names file a run directory recorded (classes.txt), when `path` is a run directory that has one.
    public static func classNamesFile(ofRun path: String) -> String? { recordedFile(RunDirectory.classNamesFileName, ofRun: path) }

    private static func recordedFile(_ name: String, ofRun path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        let file = (path as NSString).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: file) ? file : nil
    }
}
