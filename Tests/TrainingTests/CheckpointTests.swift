import Distributed
import Foundation
import POSIXFiles
import TensorFiles
import Training
import XCTest
import RunFormat

/// Damaged checkpoints are never loaded: resume falls back to the newest valid one and says why, or stops with a
/// clear error when none fits.
final class CheckpointTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spd-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SyntheticData.detection(at: directory.appendingPathComponent("data").path, train: 8, val: 4)
        try TrainerTests.tinyDetector.write(to: directory.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func config(epochs: Int, seed: Int = 3) throws -> ExperimentConfig {
        let file = directory.appendingPathComponent("e.yaml").path
        try """
        model: \(directory.appendingPathComponent("tiny.yaml").path)
        data: \(directory.appendingPathComponent("data").path)
        epochs: \(epochs)
        batch: 4
        nominal_batch: 4
        imgsz: 64
        seed: \(seed)
        checkpoint_every_minutes: 0
        keep_checkpoints: 5
        hyp:
          warmup_min_iterations: 1
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return try ExperimentConfig(contentsOf: file, repositoryRoot: TrainerTests.root.path)
    }

    private func train(_ config: ExperimentConfig, run: String, resume: ResumeMode) throws -> [String] {
        var lines: [String] = []
        _ = try TrainingRun.train(config: config, modelFile: config.model, communicator: LocalCommunicator(), runDirectory: run, resume: resume,
                                  interactive: false) { lines.append($0) }
        return lines
    }

    /// A run of 2 epochs: checkpoints step-000000002 and step-000000004.
    private func makeRun() throws -> (String, CheckpointStore) {
        let run = directory.appendingPathComponent("run").path
        _ = try train(try config(epochs: 2), run: run, resume: .fresh)
        let store = CheckpointStore(directory: "\(run)/checkpoints", keep: 5)
        XCTAssertEqual(store.names(), ["step-000000004", "step-000000002"])
        return (run, store)
    }

    private func assertResumesFromOlder(_ run: String, because reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let lines = try train(try config(epochs: 3), run: run, resume: .required)
        XCTAssertTrue(lines.contains { $0.hasPrefix("resume: skipping \(run)/checkpoints/step-000000004: ") && $0.contains(reason) }, "\(lines)", file: file, line: line)
        XCTAssertTrue(lines.contains { $0.contains("resume: from \(run)/checkpoints/step-000000002 (epoch 2, step 0") }, "\(lines)", file: file, line: line)
    }

    func testTruncatedNewestCheckpointFallsBack() throws {
        let (run, _) = try makeRun()
        let model = "\(run)/checkpoints/step-000000004/model.safetensors"
        let data = try Data(contentsOf: URL(fileURLWithPath: model))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: model))
        try assertResumesFromOlder(run, because: "model.safetensors is damaged")
    }

    func testBitFlipIsDetected() throws {
        let (run, _) = try makeRun()
        let optimizer = "\(run)/checkpoints/step-000000004/optimizer.safetensors"
        var data = try Data(contentsOf: URL(fileURLWithPath: optimizer))
        data[data.count - 3] ^= 0x10
        try data.write(to: URL(fileURLWithPath: optimizer))
        try assertResumesFromOlder(run, because: "optimizer.safetensors is damaged")
    }

    /// state.json of the newest checkpoint, edited by `edit` (a hostile or careless hand), written back.
    private func editState(_ run: String, _ edit: (inout [String: Any]) throws -> Void) throws {
        let path = "\(run)/checkpoints/step-000000004/state.json"
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        try edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
    }

    /// Values edited into state.json make the checkpoint invalid (resume falls back; the list says why) instead of
    /// crashing the resumed run.
    func testEditedStateValuesAreInvalid() throws {
        let (run, store) = try makeRun()
        try editState(run) { json in
            var progress = json["progress"] as! [String: Any]
            progress["position"] = ["epoch": -3, "step": 0]
            json["progress"] = progress
        }
        XCTAssertThrowsError(try store.validate("step-000000004", identity: nil)) {
            XCTAssertTrue("\($0)".hasSuffix("state.json is not valid: its position (epoch -3, step 0) is negative"), "\($0)")
        }
        try assertResumesFromOlder(run, because: "its position (epoch -3, step 0) is negative")
    }

    /// An optimizer state of the wrong size, its checksum recomputed to match, is refused: by the parameter count
    /// state.json records, and on resume by the model's own count even when that record is removed too.
    func testOptimizerStateOfTheWrongSizeIsInvalid() throws {
        let (run, store) = try makeRun()
        let optimizer = "\(run)/checkpoints/step-000000004/optimizer.safetensors"
        try SafeTensorsWriter.write(tensors: [NamedTensor(name: "momentum_buffer", shape: [7], floats: [Float](repeating: 0, count: 7))], to: optimizer)
        let digest = try sha256(ofFile: optimizer).hex
        try editState(run) { json in
            var files = json["files"] as! [String: String]
            files["optimizer.safetensors"] = digest
            json["files"] = files
        }
        XCTAssertThrowsError(try store.validate("step-000000004", identity: nil)) {
            XCTAssertTrue("\($0)".contains("optimizer.safetensors: momentum_buffer has shape [7], the model has "), "\($0)")
        }
        try editState(run) { json in json.removeValue(forKey: "parameterCount") }
        XCTAssertNoThrow(try store.validate("step-000000004", identity: nil), "without a recorded count only the model can tell")
        try assertResumesFromOlder(run, because: "optimizer.safetensors: momentum_buffer has shape [7]")
    }

    /// A state.json naming a file outside its checkpoint directory does not get it hashed.
    func testStateNamingFilesOutsideItsDirectoryIsInvalid() throws {
        let (run, store) = try makeRun()
        try editState(run) { json in
            var files = json["files"] as! [String: String]
            files["../../../../etc/passwd"] = String(repeating: "0", count: 64)
            json["files"] = files
        }
        XCTAssertThrowsError(try store.validate("step-000000004", identity: nil)) {
            XCTAssertTrue("\($0)".hasSuffix("state.json names '../../../../etc/passwd', which is not a tensor file of the checkpoint directory"), "\($0)")
        }
    }

    func testMissingDoneMarkerFallsBack() throws {
        let (run, _) = try makeRun()
        try FileManager.default.removeItem(atPath: "\(run)/checkpoints/step-000000004/DONE")
        try assertResumesFromOlder(run, because: "no DONE marker")
    }

    func testCheckpointOfAnotherConfigurationIsRefused() throws {
        let (run, _) = try makeRun()
        XCTAssertThrowsError(try train(try config(epochs: 3, seed: 99), run: run, resume: .required)) { error in
            XCTAssertEqual("\(error)", "\(run)/checkpoints: no valid checkpoint to resume from")
        }
        // --resume-if-exists must not silently start over on top of another run's checkpoints either.
        XCTAssertThrowsError(try train(try config(epochs: 3, seed: 99), run: run, resume: .ifExists))
    }

    func testTemporaryDirectoriesOfInterruptedWritesAreIgnored() throws {
        let (run, store) = try makeRun()
        try FileManager.default.createDirectory(atPath: "\(run)/checkpoints/.tmp-step-000000006-123", withIntermediateDirectories: true)
        XCTAssertEqual(store.names(), ["step-000000004", "step-000000002"])
        XCTAssertEqual(store.newestValid(identity: nil).found?.name, "step-000000004")
    }

    /// A resumed run removes the half-written checkpoint of the attempt that was killed while writing it (it would
    /// otherwise stay forever, a checkpoint's size each time), says so, and keeps the finished checkpoints.
    func testResumeRemovesUnfinishedCheckpointWrites() throws {
        let (run, store) = try makeRun()
        let leftover = "\(run)/checkpoints/.tmp-step-000000006-123"
        try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: "\(leftover)/model.safetensors"))
        let lines = try train(try config(epochs: 3), run: run, resume: .required)
        XCTAssertTrue(lines.contains("resume: removed \(leftover), a checkpoint write that did not finish"), "\(lines)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover))
        XCTAssertEqual(store.names(), ["step-000000006", "step-000000004", "step-000000002"])
    }
}
