import Distributed
import Foundation
import Models
import TensorFiles
import Training
import XCTest
import RunFormat

/// `weights:` starts a fresh run from a state dict: every tensor of the same name and shape is loaded (the rest keep
/// their initialisation, e.g. a detection head made for other classes), resume ignores it, and a file that fits
/// nothing or is not safetensors stops the run naming the file.
final class InitialWeightsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spd-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SyntheticData.detection(at: directory.appendingPathComponent("data").path, train: 8, val: 4)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func config(weights: String?, classes: Int = 2, lr0: Double = 0.01) throws -> ExperimentConfig {
        let file = directory.appendingPathComponent("e.yaml").path
        try """
        model: \(TrainerTests.root.path)/configs/models/tiny-spd.yaml
        data: \(directory.appendingPathComponent("data").path)
        classes: \(classes)
        epochs: 1
        batch: 4
        nominal_batch: 4
        imgsz: 64
        seed: 3
        checkpoint_every_minutes: 0
        weights: \(weights ?? "null")
        hyp:
          warmup_min_iterations: 0
          warmup_epochs: 0
          lr0: \(lr0)
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return try ExperimentConfig(contentsOf: file, repositoryRoot: TrainerTests.root.path)
    }

    private func train(_ config: ExperimentConfig, run: String, resume: ResumeMode = .fresh) throws -> [String] {
        var lines: [String] = []
        _ = try TrainingRun.train(config: config, modelFile: config.model, communicator: LocalCommunicator(), runDirectory: run,
                                  resume: resume, interactive: false) { lines.append($0) }
        return lines
    }

    private func tensors(_ path: String) throws -> [String: [Float]] {
        let file = try SafeTensorsFile(contentsOf: path)
        return Dictionary(uniqueKeysWithValues: try file.names.filter { !$0.hasSuffix("num_batches_tracked") }.map { ($0, try file.floats($0)) })
    }

    /// A trained run's weights as the start of a run with lr0 0: its trained parameters come out unchanged (only
    /// the BN running statistics move), and the run says it loaded every tensor.
    func testAFreshRunStartsFromTheGivenWeights() throws {
        let first = directory.appendingPathComponent("first").path
        _ = try train(try config(weights: nil), run: first)
        let trained = "\(first)/checkpoints/last/model.safetensors"
        let second = directory.appendingPathComponent("second").path
        let lines = try train(try config(weights: trained, lr0: 0), run: second)
        let count = try tensors(trained).count
        XCTAssertTrue(lines.contains("weights: \(count) of \(count) tensors from \(trained)"), "\(lines)")
        let before = try tensors(trained), after = try tensors("\(second)/checkpoints/last/model.safetensors")
        for (name, values) in before where !name.contains("running_") {
            XCTAssertEqual(after[name], values, name)
        }
        let fresh = directory.appendingPathComponent("fresh").path
        _ = try train(try config(weights: nil, lr0: 0), run: fresh)
        XCTAssertNotEqual(try tensors("\(fresh)/checkpoints/last/model.safetensors")["model.0.conv.conv.weight"], before["model.0.conv.conv.weight"])
    }

    /// Weights trained for 2 classes into a 3-class detector: everything but the Detect head's output convs loads.
    func testWeightsForOtherClassesLeaveTheHeadAtItsInitialisation() throws {
        let first = directory.appendingPathComponent("first").path
        _ = try train(try config(weights: nil), run: first)
        let trained = "\(first)/checkpoints/last/model.safetensors"
        let lines = try train(try config(weights: trained, classes: 3), run: directory.appendingPathComponent("three").path)
        let count = try tensors(trained).count
        XCTAssertTrue(lines.contains("weights: \(count - 4) of \(count) tensors from \(trained)"), "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("weights: kept at initialisation") && $0.contains("model.11.m.0.weight") && $0.contains("model.11.m.1.bias") },
                      "\(lines)")
    }

    func testResumeIgnoresTheWeights() throws {
        let first = directory.appendingPathComponent("first").path
        _ = try train(try config(weights: nil), run: first)
        let lines = try train(try config(weights: "\(directory.path)/absent.safetensors"), run: first, resume: .required)
        XCTAssertFalse(lines.contains { $0.hasPrefix("weights:") }, "\(lines)")
    }

    func testMissingForeignOrDamagedWeightsStopTheRun() throws {
        let absent = "\(directory.path)/absent.safetensors"
        XCTAssertThrowsError(try train(try config(weights: absent), run: directory.appendingPathComponent("a").path)) { error in
            XCTAssertTrue("\(error)".contains(absent), "\(error)")
        }
        let damaged = "\(directory.path)/damaged.safetensors"
        try Data("not a safetensors file".utf8).write(to: URL(fileURLWithPath: damaged))
        XCTAssertThrowsError(try train(try config(weights: damaged), run: directory.appendingPathComponent("b").path)) { error in
            XCTAssertTrue("\(error)".contains(damaged), "\(error)")
        }
        let foreign = "\(directory.path)/foreign.safetensors"
        try SafeTensorsWriter.write(tensors: [NamedTensor(name: "fc.weight", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])], metadata: [:], to: foreign)
        XCTAssertThrowsError(try train(try config(weights: foreign), run: directory.appendingPathComponent("c").path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(foreign): weights do not fit the model"), "\(error)")
        }
    }
}
