import Datasets
import Distributed
import Foundation
import Shards
import TensorFiles
import TestSupport
import Training
import XCTest
import RunFormat
import Optim

/// SPDTrain against a training run of the authors' own code (LabSAINT/SPD-Conv's YOLOv5-SPD, train.py), step for
/// step: `tools/reference/lockstep.py` recorded 200 iterations of YOLOv5-SPD-n (64 px, batch 8, nominal batch 64,
/// augmentation off, the paper's hyp.scratch recipe) with SGD and with `--adam` into Tests/Fixtures/lockstep.
/// SPDTrain replays the same data, sample order (`sample_order`), starting weights (the reference's, rounded through
/// float16 as its train.py does) and the reference's loop quirks (`reference_quirks`), and every recorded quantity is
/// compared. What the bounds rest on:
/// - Learning rate and momentum of each parameter group, accumulation, and which iterations step the optimizer are
///   float64 formulas on both sides: equal to 1e-12 relative over all 200 iterations.
/// - The training itself is chaotic at this recipe's learning rates (a bias learning rate of 0.1 in warmup): a
///   rounding-level difference grows about 5x per SGD step from iteration 4 on, and Adam's first step moves each
///   parameter by +-lr * sign(gradient), so gradients within rounding of 0 decide a whole step. Measured: SPDTrain on
///   OpenBLAS's Haswell against its Cooperlake kernels parts from itself exactly as much as from the reference (param
///   sums 2.5e-3 and 3.9e-3 apart after 8 iterations). So the reference is compared at rounding level where the
///   trajectories have not parted yet (the first iterations' losses and the weights after one step), and after that
///   against SPDTrain's own spread: a second SPDTrain run whose starting weights differ by one ulp. The reference must
///   stay within 3x that spread plus a floor; a systematic difference (a wrong decay, gain or quirk) puts it far
///   outside (checked by running without the quirks, see `testWithoutTheQuirksTheSGDRunPartsFromTheReference`).
final class LockstepTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spd-lockstep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testSGDFollowsTheReferenceStepForStep() throws {
        try assertLockstep(recording: "sgd", optimizer: "sgd", lr0: 0.01, roundingIterations: 5)
    }

    /// Adam: after its first step a few biases whose gradient is within rounding of 0 have moved by the warmup bias
    /// learning rate (0.1) the other way, so the first step is checked element by element (rounding or such a sign
    /// flip) and only the first 2 losses at 1e-5.
    func testAdamFollowsTheReferenceStepForStep() throws {
        try assertLockstep(recording: "adam", optimizer: "adam", lr0: 0.001, roundingIterations: 2, signFlip: 0.1)
    }

    /// The comparison can fail: without the reference's quirks (SPDTrain's own schedule, which keeps gradients across
    /// an epoch start and does not lag the learning rate), the schedule differs from the recording.
    func testWithoutTheQuirksTheSGDRunPartsFromTheReference() throws {
        let recording = try load("sgd")
        let mine = try replay(recording, optimizer: "sgd", lr0: 0.01, quirks: false, perturbed: false, label: "sgd-no-quirks")
        let lagged = zip(recording.steps, mine.metrics).filter { step, line in
            abs(((line["lr"] as? [Double]) ?? [])[1] - step.learningRates[1]) > 1e-9
        }
        XCTAssertEqual(lagged.first?.0.iteration, 104, "the first post-warmup epoch after the one where warmup ended runs at lf(13), not lf(12)")
        XCTAssertEqual(lagged.count, 96)
        // Gradients kept across epoch starts: after warmup each step applies all 8 batches since the last one, where
        // the reference applies the 3 of its own epoch.
        let applied = zip(recording.steps, mine.metrics).filter { $0.0.optimizerStep && $0.0.iteration > 104 }
        XCTAssertEqual(Set(applied.map { $0.0.batchesInStep }), [3])
        XCTAssertEqual(Set(applied.map { $0.1["accumulated_batches"] as? Int }), [8])
    }

    private struct Step {
        let iteration: Int
        let files: [String]
        let losses: [Double]
        let learningRates: [Double]
        /// SGD's momentum, or Adam's beta1.
        let momentum: Double?
        let accumulate: Double
        let optimizerStep: Bool
        let batchesInStep: Int
    }

    /// The recording's schedule and steps.
    private struct Recording {
        let directory: URL
        let steps: [Step]
        let checkpoints: [(iterations: Int, model: SafeTensorsFile, ema: SafeTensorsFile)]
    }

    private func load(_ name: String) throws -> Recording {
        let directory = try TestFixtures.url("lockstep/\(name)")
        let trajectory = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("trajectory.json"))) as? [String: Any])
        let steps = try (XCTUnwrap(trajectory["steps"] as? [[String: Any]])).map { step -> Step in
            let items = try XCTUnwrap(step["loss_items"] as? [String: Double])
            return Step(iteration: try XCTUnwrap(step["iteration"] as? Int), files: try XCTUnwrap(step["files"] as? [String]),
                        losses: [items["box"]!, items["obj"]!, items["cls"]!], learningRates: try XCTUnwrap(step["lr"] as? [Double]),
                        momentum: (step["momentum"] as? [Double])?.first ?? (step["betas"] as? [[Double]])?.first?.first,
                        accumulate: try XCTUnwrap(step["accumulate"] as? Double),
                        optimizerStep: try XCTUnwrap(step["optimizer_step"] as? Bool), batchesInStep: step["batches_in_step"] as? Int ?? 0)
        }
        XCTAssertEqual(steps.map(\.iteration), Array(0..<200))
        let checkpoints = try XCTUnwrap(trajectory["checkpoints"] as? [[String: Any]]).map { entry in
            (iterations: try XCTUnwrap(entry["after_iterations"] as? Int),
             model: try SafeTensorsFile(contentsOf: directory.appendingPathComponent(try XCTUnwrap(entry["model"] as? String)).path),
             ema: try SafeTensorsFile(contentsOf: directory.appendingPathComponent(try XCTUnwrap(entry["ema"] as? String)).path))
        }
        return Recording(directory: directory, steps: steps, checkpoints: checkpoints)
    }

    /// One SPDTrain run through the recording: its per-iteration metrics and its model and EMA at the recording's
    /// checkpoints (a chain of `stop_after_iterations` and resumes, so resuming is part of what is compared).
    private struct Replay {
        let metrics: [[String: Any]]
        let states: [Int: (model: SafeTensorsFile, ema: SafeTensorsFile)]
    }

    private func replay(_ recording: Recording, optimizer: String, lr0: Double, quirks: Bool, perturbed: Bool, label: String) throws -> Replay {
        let data = directory.appendingPathComponent("data").path
        if !FileManager.default.fileExists(atPath: data) {
            _ = try YOLOConverter.convert(from: recording.directory.appendingPathComponent("data/data.yaml").path, out: data, options: ConversionOptions())
        }
        let keys = try keysByFile(Dataset(directory: data))
        let epochs = (0..<25).map { epoch in recording.steps.filter { $0.iteration / 8 == epoch }.flatMap(\.files).map { keys[$0]! } }
        let order = directory.appendingPathComponent("order.json").path
        try JSONSerialization.data(withJSONObject: ["epochs": epochs]).write(to: URL(fileURLWithPath: order))
        let weights = try startingWeights(recording.directory, perturbed: perturbed)
        let run = directory.appendingPathComponent("run-\(label)").path
        var states: [Int: (model: SafeTensorsFile, ema: SafeTensorsFile)] = [:]
        for (index, checkpoint) in recording.checkpoints.enumerated() {
            let config = try experiment(optimizer: optimizer, lr0: lr0, data: data, order: order, weights: weights, quirks: quirks,
                                        stopAfter: checkpoint.iterations, label: label)
            var log: [String] = []
            _ = try TrainingRun.train(config: config, modelFile: config.resolve(config.model), communicator: LocalCommunicator(), runDirectory: run,
                                      resume: index == 0 ? .fresh : .required, interactive: false) { log.append($0) }
            let saved = directory.appendingPathComponent("\(label)-\(checkpoint.iterations)")
            try FileManager.default.copyItem(at: URL(fileURLWithPath: "\(run)/checkpoints/last").resolvingSymlinksInPath(), to: saved)
            states[checkpoint.iterations] = (try SafeTensorsFile(contentsOf: saved.appendingPathComponent("model.safetensors").path),
                                             try SafeTensorsFile(contentsOf: saved.appendingPathComponent("ema.safetensors").path))
            XCTAssertTrue(log.contains { $0.hasPrefix("stopped after \(checkpoint.iterations) batches") } || checkpoint.iterations == 200,
                          "\(label): the run did not stop after \(checkpoint.iterations) iterations:\n" + log.joined(separator: "\n"))
        }
        let metrics = try String(contentsOfFile: "\(run)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(metrics.count, 200, "\(label): one metrics line per iteration")
        return Replay(metrics: metrics, states: states)
    }

    private func losses(_ line: [String: Any]) -> [Double] {
        let losses = line["losses"] as? [String: Double] ?? [:]
        return [losses["box_loss"] ?? .nan, losses["obj_loss"] ?? .nan, losses["cls_loss"] ?? .nan]
    }

    /// The schedule, exactly, over all 200 iterations.
    private func assertSameSchedule(_ recording: Recording, _ mine: Replay, _ name: String) throws {
        var previousSteps = 0
        for (step, line) in zip(recording.steps, mine.metrics) {
            let label = "\(name): iteration \(step.iteration)"
            XCTAssertEqual(line["iteration"] as? Int, step.iteration + 1, label)
            let lr = try XCTUnwrap(line["lr"] as? [Double])
            for (group, (mine, theirs)) in zip(lr, step.learningRates).enumerated() {
                XCTAssertEqual(mine, theirs, accuracy: 1e-12 * max(abs(theirs), 1e-3), "\(label): learning rate of group \(group)")
            }
            if let momentum = step.momentum {
                XCTAssertEqual(try XCTUnwrap(line["momentum"] as? Double), momentum, accuracy: 1e-12, "\(label): momentum (SGD) or beta1 (Adam)")
            }
            XCTAssertEqual(Double(try XCTUnwrap(line["accumulation"] as? Int)), step.accumulate, "\(label): accumulate")
            let optimizerSteps = try XCTUnwrap(line["optimizer_step"] as? Int)
            XCTAssertEqual(optimizerSteps > previousSteps, step.optimizerStep, "\(label): optimizer step")
            XCTAssertEqual(line["accumulated_batches"] as? Int, step.batchesInStep, "\(label): batches the step applied")
            previousSteps = optimizerSteps
        }
    }

    /// ||a - b|| / max(||b||, 1) per tensor on the elements `b` holds (a recording holds large tensors as
    /// flat[::stride], stride = ceil(count / 1024)); the largest over the state dict, and its tensor.
    private func distance(_ mine: SafeTensorsFile, _ recorded: SafeTensorsFile) throws -> (value: Double, tensor: String) {
        var worst = (0.0, "")
        for name in recorded.names where try recorded.info(name).dtype.isFloatingPoint {
            let theirs = try recorded.floats(name), full = try mine.floats(name)
            let stride = (full.count + 1023) / 1024
            let sampled = full.count == theirs.count ? full : Swift.stride(from: 0, to: full.count, by: stride).map { full[$0] }
            XCTAssertEqual(sampled.count, theirs.count, name)
            let difference = zip(sampled, theirs).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }.squareRoot()
            let scale = max(theirs.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot(), 1)
            if difference / scale > worst.0 { worst = (difference / scale, name) }
        }
        return worst
    }

    /// Mean total loss of each window of 25 iterations.
    private func windowMeans(_ totals: [Double]) -> [Double] {
        stride(from: 0, to: totals.count, by: 25).map { start in totals[start..<min(start + 25, totals.count)].reduce(0, +) / 25 }
    }

    /// After Adam's first step every element agrees to rounding (1e-5 of max(|x|, 1)) except biases (the only group with
    /// a learning rate at iteration 0) whose gradient is within rounding of 0: Adam moves a parameter by
    /// lr * g / (|g| + eps), which for |g| near eps = 1e-8 turns a rounding difference of g into up to a whole step the
    /// other way (at most 2 * `step` apart). Those must be under 1% of the elements.
    private func assertRoundingOrSignFlips(_ mine: SafeTensorsFile, _ recorded: SafeTensorsFile, step: Double, _ label: String) throws {
        var elements = 0, flips = 0
        for name in recorded.names where try recorded.info(name).dtype.isFloatingPoint {
            let theirs = try recorded.floats(name), full = try mine.floats(name)
            let stride = (full.count + 1023) / 1024
            let sampled = full.count == theirs.count ? full : Swift.stride(from: 0, to: full.count, by: stride).map { full[$0] }
            for (a, b) in zip(sampled, theirs) {
                elements += 1
                let difference = abs(Double(a) - Double(b))
                if difference <= 1e-5 * max(abs(Double(b)), 1) { continue }
                XCTAssertTrue(name.hasSuffix("bias"), "\(label): \(name) differs by \(difference) (only biases move at iteration 0)")
                XCTAssertLessThanOrEqual(difference, 2 * step * 1.001, "\(label): \(name) differs by more than two Adam steps")
                flips += 1
            }
        }
        print("lockstep \(label): \(flips) of \(elements) elements differ beyond rounding (biases with a gradient within rounding of 0), the rest agree to rounding")
        XCTAssertLessThan(Double(flips), 0.01 * Double(elements), label)
    }

    private func assertLockstep(recording name: String, optimizer: String, lr0: Double, roundingIterations: Int, signFlip: Double? = nil) throws {
        let recording = try load(name)
        let mine = try replay(recording, optimizer: optimizer, lr0: lr0, quirks: true, perturbed: false, label: "\(name)")
        let spread = try replay(recording, optimizer: optimizer, lr0: lr0, quirks: true, perturbed: true, label: "\(name)-ulp")
        try assertSameSchedule(recording, mine, name)

        // Before the trajectories part: rounding level.
        for (step, line) in zip(recording.steps, mine.metrics).prefix(roundingIterations) {
            let difference = zip(losses(line), step.losses).map { abs($0 - $1) / max(abs($1), 1e-3) }.max()!
            XCTAssertLessThan(difference, 1e-5, "\(name): iteration \(step.iteration): loss items \(losses(line)) against \(step.losses)")
        }
        let first = try XCTUnwrap(recording.checkpoints.first { $0.iterations == 1 })
        for (what, a, b) in [("model", mine.states[1]!.model, first.model), ("EMA", mine.states[1]!.ema, first.ema)] {
            if let flip = signFlip {
                try assertRoundingOrSignFlips(a, b, step: flip, "\(name): \(what) after 1 iteration")
            } else {
                let d = try distance(a, b)
                print("lockstep \(name): \(what) after 1 iteration differs by \(String(format: "%.2e", d.value)) (\(d.tensor))")
                // Measured 4.4e-7, 5.1e-7 and 6.6e-7 on OpenBLAS's Cooperlake, Prescott and Haswell kernels.
                XCTAssertLessThan(d.value, 2e-6, "\(name): \(what) after 1 iteration: \(d.tensor)")
            }
        }

        // After: within SPDTrain's own spread.
        for checkpoint in recording.checkpoints where checkpoint.iterations > 1 {
            for (what, a, b, c) in [("model", mine.states[checkpoint.iterations]!.model, checkpoint.model, spread.states[checkpoint.iterations]!.model),
                                    ("EMA", mine.states[checkpoint.iterations]!.ema, checkpoint.ema, spread.states[checkpoint.iterations]!.ema)] {
                let reference = try distance(a, b), own = try distance(a, c)
                print("lockstep \(name): \(what) after \(checkpoint.iterations) iterations: \(String(format: "%.2e", reference.value)) from the reference "
                      + "(\(reference.tensor)), \(String(format: "%.2e", own.value)) from SPDTrain started 1 ulp away")
                XCTAssertLessThan(reference.value, 3 * own.value + 0.05, "\(name): \(what) after \(checkpoint.iterations) iterations")
            }
        }
        let references = windowMeans(recording.steps.map { $0.losses.reduce(0, +) })
        let mines = windowMeans(mine.metrics.map { losses($0).reduce(0, +) }), spreads = windowMeans(spread.metrics.map { losses($0).reduce(0, +) })
        for (window, (m, (r, s))) in zip(mines, zip(references, spreads)).enumerated() {
            print(String(format: "lockstep \(name): iterations %d-%d: mean loss %.5f, reference %.5f, 1 ulp away %.5f", window * 25, window * 25 + 24, m, r, s))
            XCTAssertLessThan(abs(m - r), 3 * abs(m - s) + 0.02 * r, "\(name): mean loss of iterations \(window * 25)-\(window * 25 + 24)")
        }
    }

    /// The sample key of every training image, by its file name (the converter records it in the label).
    private func keysByFile(_ dataset: Dataset) throws -> [String: String] {
        var keys: [String: String] = [:]
        for shard in try dataset.shards(split: "train") {
            try dataset.openShard(shard).forEachSample { sample in
                let label = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(XCTUnwrap(sample.members["json"]))) as? [String: Any])
                let file = try XCTUnwrap(label["file"] as? String)
                keys[(file as NSString).lastPathComponent] = sample.key
            }
        }
        return keys
    }

    /// The reference's initial weights (the golden YOLOv5-SPD-n state dict with the recording's 3-class Detect
    /// tensors), rounded through float16 as train.py's `model.half().float()` does before training.
    private func startingWeights(_ recording: URL, perturbed: Bool) throws -> String {
        let golden = try SafeTensorsFile(contentsOf: TestFixtures.path("reference/yolov5-spd-n/weights_seed0.safetensors"))
        let head = try SafeTensorsFile(contentsOf: recording.appendingPathComponent("initial_weights.safetensors").path)
        let tensors = try golden.namesInHeaderOrder.map { name -> NamedTensor in
            let source = head.contains(name) ? head : golden
            let info = try source.info(name)
            guard info.dtype.isFloatingPoint else { return NamedTensor(name: name, dtype: info.dtype, shape: info.shape, bytes: try source.rawBytes(name)) }
            let rounded = try source.floats(name).map { Float(Float16($0)) }
            // One ulp away (the last mantissa bit flipped) for the spread run.
            return NamedTensor(name: name, shape: info.shape, floats: perturbed ? rounded.map { $0 == 0 ? $0 : Float(bitPattern: $0.bitPattern ^ 1) } : rounded)
        }
        let path = directory.appendingPathComponent(perturbed ? "initial-ulp.safetensors" : "initial.safetensors").path
        try SafeTensorsWriter.write(tensors: tensors, to: path)
        return path
    }

    private func experiment(optimizer: String, lr0: Double, data: String, order: String, weights: String, quirks: Bool, stopAfter: Int,
                            label: String) throws -> ExperimentConfig {
        let file = directory.appendingPathComponent("experiment-\(label)-\(stopAfter).yaml").path
        try """
        model: \(TestFixtures.repositoryRoot.path)/configs/models/yolov5-spd-n.yaml
        data: \(data)
        epochs: 25
        batch: 8
        nominal_batch: 64
        imgsz: 64
        seed: 0
        optimizer: \(optimizer)
        schedule: cosine
        ema: true
        sync_bn: false
        window: 64
        log_every: 1
        val_every: 100
        checkpoint_every_minutes: 0
        keep_checkpoints: 2
        weights: \(weights)
        sample_order: \(order)
        reference_quirks: [\(quirks ? "lr_epoch_lag, epoch_start_zero_grad" : "")]
        stop_after_iterations: \(stopAfter)
        hyp_file: configs/hyps/hyp.scratch.yaml
        hyp:
          lr0: \(lr0)
          warmup_min_iterations: 100
          hsv_h: 0
          hsv_s: 0
          hsv_v: 0
          degrees: 0
          translate: 0
          scale: 0
          shear: 0
          perspective: 0
          flipud: 0
          fliplr: 0
          mosaic: 0
          mixup: 0
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return try ExperimentConfig(contentsOf: file, repositoryRoot: TestFixtures.repositoryRoot.path)
    }
}
