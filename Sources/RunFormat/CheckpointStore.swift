import Foundation
import POSIXFiles
import SampleStream
import TensorFiles

/// Everything besides tensors that a resumed run needs, saved as checkpoints/step-N/state.json.
public struct TrainingProgress: Codable, Equatable, Sendable {
    /// The next step of the sample stream (the same on every rank).
    public var position: StreamPosition
    /// Batches trained since the start (YOLOv5's `ni`), and the one of the last optimizer step.
    public var iteration: Int
    public var lastOptimizerIteration: Int
    public var optimizerSteps: Int
    public var emaUpdates: Int
    /// The best validation fitness so far; nil before the first validation (JSON has no -infinity, so a checkpoint
    /// written before it, e.g. by `stop_after_iterations` or `checkpoint_every_steps` in the first epoch, says null).
    public var bestFitness: Double?
    public var bestCheckpoint: String?
    /// Finished epochs' rows of results.csv.
    public var results: [EpochResult]
    /// Running sums of the current epoch's training losses and the batches they cover.
    public var epochLossSums: [Double]
    public var epochBatches: Int
    public var epochSeconds: Double
    /// World size and global batch when saved; a resume on another world size keeps the global batch.
    public var worldSize: Int
    public var globalBatch: Int
    /// What must match for a checkpoint to be resumed: model, dataset, classes, image size, seed, hyperparameters.
    public var identity: String
    public var savedAt: Double

    /// After an optimizer step at the current iteration.
    public mutating func optimizerStepped() {
        lastOptimizerIteration = iteration
        optimizerSteps += 1
    }

    /// After a batch: the next iteration and stream step, and the epoch's running loss sums and time.
    public mutating func finishStep(epoch: Int, step: Int, losses: [Double], seconds: Double) {
        iteration += 1
        position = StreamPosition(epoch: epoch, step: step + 1)
        for (i, loss) in losses.enumerated() { epochLossSums[i] += loss }
        epochBatches += 1
        epochSeconds += seconds
    }

    /// After an epoch: its results.csv row, and the next epoch from its first step with fresh sums.
    public mutating func finishEpoch(_ row: EpochResult) {
        results.append(row)
        position = StreamPosition(epoch: row.epoch + 1, step: 0)
        epochLossSums = epochLossSums.map { _ in 0 }
        epochBatches = 0
        epochSeconds = 0
    }

    /// What is wrong with values a state.json holds (edited by hand, or hostile), or nil: positions, counts and times
    /// are not negative, an optimizer step is not after the iteration, the finished epochs' rows match the
    /// position, the world and batch are positive, and every number is finite.
    public var problem: String? {
        if position.epoch < 0 || position.step < 0 { return "its position (epoch \(position.epoch), step \(position.step)) is negative" }
        if iteration < 0 || optimizerSteps < 0 || emaUpdates < 0 || epochBatches < 0 {
            return "a count is negative (iteration \(iteration), optimizer steps \(optimizerSteps), EMA updates \(emaUpdates), batches \(epochBatches))"
        }
        if lastOptimizerIteration < -1 || lastOptimizerIteration > iteration { return "its last optimizer iteration \(lastOptimizerIteration) is outside -1...\(iteration)" }
        if optimizerSteps > iteration + 1 { return "it records \(optimizerSteps) optimizer steps in \(iteration) iterations" }
        if results.count != position.epoch { return "it has \(results.count) finished epochs' results at epoch \(position.epoch)" }
        if worldSize < 1 || globalBatch < 1 { return "world size \(worldSize) and global batch \(globalBatch) must be positive" }
        let numbers = epochLossSums + [epochSeconds, savedAt] + (bestFitness.map { [$0] } ?? [])
        if numbers.contains(where: { !$0.isFinite }) || epochSeconds < 0 { return "it holds a number that is not finite (or a negative time)" }
        return nil
    }

    public static func start(worldSize: Int, globalBatch: Int, identity: String, lossCount: Int) -> TrainingProgress {
        TrainingProgress(position: StreamPosition(epoch: 0, step: 0), iteration: 0, lastOptimizerIteration: -1, optimizerSteps: 0, emaUpdates: 0,
                         bestFitness: nil, bestCheckpoint: nil, results: [], epochLossSums: [Double](repeating: 0, count: lossCount),
                         epochBatches: 0, epochSeconds: 0, worldSize: worldSize, globalBatch: globalBatch, identity: identity, savedAt: 0)
    }
}

/// A checkpoint that cannot be used, and why.
public struct CheckpointProblem: Error, CustomStringConvertible {
    public let checkpoint: String
    public let reason: String
    public var description: String { "\(checkpoint): \(reason)" }
}

/// checkpoints/step-NNNNNNNNN/{model,ema,optimizer}.safetensors + state.json (with each file's sha256) + DONE.
/// Written to a temporary directory, every file fsynced, renamed into place, `last` (and `best`) symlinks
/// replaced atomically; the newest `keep` checkpoints and the best are kept. A checkpoint without DONE, with a
/// checksum mismatch or of another configuration is never loaded: `loadNewestValid` falls back to the next.
public struct CheckpointStore {
    public let directory: String
    public let keep: Int

    public init(directory: String, keep: Int) {
        self.directory = directory
        self.keep = keep
    }

    public static func name(step: Int) -> String { String(format: "step-%09d", step) }

    /// Writes one checkpoint: `writeFiles` puts its tensor files (`*.safetensors`) into the directory it is given;
    /// the store records each file's sha256 in state.json, adds DONE, fsyncs, renames the directory into place and
    /// points `last` (and `best`) at it. On any failure it removes what it wrote and leaves earlier checkpoints
    /// untouched.
    /// `parameterCount` (the model's) is recorded so that a reader can check every optimizer tensor against it.
    public func write(name: String, progress: TrainingProgress, parameterCount: Int, isBest: Bool, writeFiles: (_ directory: String) throws -> Void) throws {
        let temporary = "\(directory)/.tmp-\(name)-\(getpid())"
        removeTreeIgnoringErrors(temporary)
        do {
            try makeDirectories(temporary)
            try writeFiles(temporary)
            var files: [String: String] = [:]
            for file in try FileManager.default.contentsOfDirectory(atPath: temporary).sorted() where file.hasSuffix(".safetensors") {
                files[file] = try sha256(ofFile: "\(temporary)/\(file)").hex
            }
            let record = CheckpointRecord(progress: progress, files: files, parameterCount: parameterCount)
            try writeAtomically(Array(try JSONEncoder.sorted.encode(record)), to: "\(temporary)/state.json")
            try writeAtomically(Array("complete\n".utf8), to: "\(temporary)/DONE")
            try syncDirectory(temporary)
            let final = "\(directory)/\(name)"
            removeTreeIgnoringErrors(final)
            try commitRename(temporary, to: final)
            try replaceSymlink("\(directory)/last", target: name)
            if isBest { try replaceSymlink("\(directory)/best", target: name) }
            try syncDirectory(directory)
        } catch {
            removeTreeIgnoringErrors(temporary)
            throw error
        }
        prune()
    }

    /// Removes the temporary directories of checkpoint writes that never finished (the run was killed while writing
    /// one; they would otherwise stay, each the size of a checkpoint). Call before this run writes: the run directory
    /// has one writer. Returns the removed paths.
    public func removeUnfinishedWrites() -> [String] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let unfinished = all.filter { $0.hasPrefix(".tmp-") }.sorted().map { "\(directory)/\($0)" }
        for path in unfinished { removeTreeIgnoringErrors(path) }
        return unfinished
    }

    /// Checkpoint directory names, newest first.
    public func names() -> [String] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return all.filter { $0.hasPrefix("step-") }.sorted(by: >)
    }

    /// Deletes all but the newest `keep` checkpoints and the one `best` points to.
    private func prune() {
        let best = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/best")
        for name in names().dropFirst(keep) where name != best { removeTreeIgnoringErrors("\(directory)/\(name)") }
    }

    /// The largest state.json read (its results rows grow by one per epoch; a 10,000-epoch run's is a few MB).
    static let maximumRecordBytes = 64 << 20

    /// Checks a checkpoint (DONE, state.json and its values, every file's sha256, identity; every optimizer tensor
    /// against `parameterCount`, the model's, or else the count state.json records) and returns its progress.
    public func validate(_ name: String, identity: String?, parameterCount: Int? = nil) throws -> TrainingProgress {
        let path = "\(directory)/\(name)"
        func problem(_ reason: String) -> CheckpointProblem { CheckpointProblem(checkpoint: path, reason: reason) }
        guard FileManager.default.fileExists(atPath: "\(path)/DONE") else { throw problem("no DONE marker (it was being written when the run stopped)") }
        let record = try readRecord(name)
        if let reason = record.progress.problem { throw problem("state.json is not valid: \(reason)") }
        // Files are named inside the checkpoint directory only, so a state.json cannot have files elsewhere hashed.
        if let outside = record.files.keys.first(where: { $0.contains("/") || $0.hasPrefix(".") || !$0.hasSuffix(".safetensors") }) {
            throw problem("state.json names '\(outside)', which is not a tensor file of the checkpoint directory")
        }
        for (file, expected) in record.files.sorted(by: { $0.key < $1.key }) {
            let actual: String
            do { actual = try sha256(ofFile: "\(path)/\(file)").hex } catch { throw problem("\(file) is missing or unreadable") }
            guard actual == expected else { throw problem("\(file) is damaged (sha256 \(actual.prefix(12))..., state.json records \(expected.prefix(12))...)") }
        }
        if let identity, record.progress.identity != identity {
            throw problem("it belongs to a different configuration (model, data, classes, image size, seed or hyperparameters differ)")
        }
        if let expected = parameterCount ?? record.parameterCount, record.files["optimizer.safetensors"] != nil {
            let optimizer: SafeTensorsFile
            do { optimizer = try SafeTensorsFile(contentsOf: "\(path)/optimizer.safetensors") } catch { throw problem("\(error)") }
            if let wrong = optimizer.tensors.first(where: { $0.shape.reduce(1, { $0 &* $1 }) != expected }) {
                throw problem("optimizer.safetensors: \(wrong.name) has shape \(wrong.shape), the model has \(expected) parameters")
            }
        }
        return record.progress
    }

    /// What a search for a checkpoint to resume from found.
    public struct Search {
        /// The newest valid checkpoint, if any.
        public var found: (name: String, progress: TrainingProgress)?
        /// Newer checkpoints that were skipped, and why.
        public var skipped: [CheckpointProblem]
    }

    /// The newest checkpoint that validates, and the reasons newer ones were skipped.
    public func newestValid(identity: String?, parameterCount: Int? = nil) -> Search {
        var skipped: [CheckpointProblem] = []
        for name in names() {
            do { return Search(found: (name, try validate(name, identity: identity, parameterCount: parameterCount)), skipped: skipped) } catch let error as CheckpointProblem {
                skipped.append(error)
            } catch {
                skipped.append(CheckpointProblem(checkpoint: "\(directory)/\(name)", reason: "\(error)"))
            }
        }
        return Search(found: nil, skipped: skipped)
    }

    /// What state.json records, read without validating the checkpoint (nil when it is missing or unreadable).
    public func record(_ name: String) -> CheckpointRecord? { try? readRecord(name) }

    /// state.json of checkpoint `name`, a bounded regular file (a FIFO there cannot hang `spd checkpoint list`).
    private func readRecord(_ name: String) throws -> CheckpointRecord {
        let path = "\(directory)/\(name)"
        let bytes: [UInt8]
        do { bytes = try readRegularFile("\(path)/state.json", limit: Self.maximumRecordBytes) } catch let error as FileAccessError {
            throw CheckpointProblem(checkpoint: path, reason: "state.json: \(error.reason)")
        }
        do { return try JSONDecoder().decode(CheckpointRecord.self, from: Data(bytes)) } catch {
            throw CheckpointProblem(checkpoint: path, reason: "state.json is not valid: \(error)")
        }
    }
}

/// state.json of a checkpoint: the training progress, each tensor file's sha256, and the model's parameter count
/// (absent in checkpoints written before version 0.7).
public struct CheckpointRecord: Codable, Sendable {
    public var progress: TrainingProgress
    public var files: [String: String]
    public var parameterCount: Int?
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return encoder
    }
}
