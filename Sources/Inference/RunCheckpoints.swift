import Foundation
import Support
import RunFormat

/// The checkpoints of a run directory (`RUN/checkpoints/step-N`, `last`, `best`), read-only: which exist, what
/// their state.json says, which validate, and their weight files.
public struct RunCheckpoints {
    public let runDirectory: String
    public let store: CheckpointStore

    /// Fails when `runDirectory` has no checkpoints/ directory.
    public init(runDirectory: String) throws {
        self.runDirectory = runDirectory
        let directory = "\(runDirectory)/checkpoints"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            let exists = FileManager.default.fileExists(atPath: runDirectory)
            throw FileProblem(file: runDirectory, message: exists ? "not a run directory (it has no checkpoints/)" : "no such run directory")
        }
        store = CheckpointStore(directory: directory, keep: Int.max)
    }

    /// Checkpoint names, newest first.
    public func names() -> [String] { store.names() }

    /// The checkpoint the `last` or `best` link points to, if the link exists.
    public func target(ofLink link: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "\(store.directory)/\(link)")
    }

    /// A checkpoint name, with the links `last` and `best` resolved.
    public func resolve(_ nameOrLink: String) throws -> String {
        let name = ["last", "best"].contains(nameOrLink) ? target(ofLink: nameOrLink) : nameOrLink
        guard let name, names().contains(name) else {
            throw FileProblem(file: "\(store.directory)/\(nameOrLink)", message: "no such checkpoint (there are: \(names().joined(separator: ", ")))")
        }
        return name
    }

    /// What state.json records, read without validating the checkpoint (nil when it is missing or unreadable).
    public func record(_ name: String) -> CheckpointRecord? { store.record(name) }

    /// The newest checkpoint that validates (DONE, state.json, checksums), or an error listing why each one failed.
    public func newestValid() throws -> String {
        let search = store.newestValid(identity: nil)
        guard let found = search.found else {
            let reasons = search.skipped.map(\.description)
            throw FileProblem(file: store.directory, message: "no valid checkpoint" + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; ")))
        }
        return found.name
    }

    /// The weights file of a checkpoint: ema.safetensors when `ema` is asked for, otherwise model.safetensors.
    /// Whether checkpoint `name` holds EMA weights (the run trained with EMA).
    public func hasEMA(_ name: String) -> Bool { FileManager.default.fileExists(atPath: "\(store.directory)/\(name)/ema.safetensors") }

    public func weightsFile(of name: String, ema: Bool) throws -> String {
        let path = "\(store.directory)/\(name)/\(ema ? "ema" : "model").safetensors"
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileProblem(file: path, message: ema ? "no EMA weights in this checkpoint (the run trained without EMA)" : "no such file")
        }
        return path
    }
}
