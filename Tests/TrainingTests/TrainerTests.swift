import Distributed
import Foundation
import Models
import Shards
import TensorFiles
import Training
import XCTest
import RunFormat
import Optim
import TestSupport

/// The training loop end to end on small synthetic data: run-directory outputs, learning, exact resume.
final class TrainerTests: XCTestCase {
    private var directory: URL!
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spd-trainer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// The shipped tiny SPD detector (configs/models/tiny-spd.yaml).
    static var tinyDetector: String {
        (try? String(contentsOfFile: root.appendingPathComponent("configs/models/tiny-spd.yaml").path, encoding: .utf8)) ?? ""
    }

    private func detectionConfig(epochs: Int, extra: [String] = []) throws -> (ExperimentConfig, String) {
        let data = directory.appendingPathComponent("data").path
        if !FileManager.default.fileExists(atPath: "\(data)/dataset.json") { try SyntheticData.detection(at: data, train: 8, val: 4) }
        let model = directory.appendingPathComponent("tiny.yaml").path
        try Self.tinyDetector.write(toFile: model, atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("experiment.yaml").path
        try """
        model: \(model)
        data: \(data)
        epochs: \(epochs)
        batch: 4
        imgsz: 64
        seed: 3
        window: 8
        log_every: 1
        checkpoint_every_minutes: 0
        hyp_file: configs/hyps/hyp.scratch.yaml
        hyp:
          warmup_min_iterations: 2
          warmup_epochs: 1
          lr0: 0.02
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return (try ExperimentConfig(contentsOf: file, overrides: extra, repositoryRoot: Self.root.path), model)
    }

    private func train(_ config: ExperimentConfig, model: String, run: String, resume: ResumeMode = .fresh) throws -> TrainingProgress {
        try TrainingRun.train(config: config, modelFile: model, communicator: LocalCommunicator(), runDirectory: run, resume: resume,
                              interactive: false) { _ in }
    }

    /// A loss that becomes NaN stops the run at that step, before the optimizer applies it, naming the loss and
    /// the step; no checkpoint holds the diverged weights and nothing is marked best.
    func testNonFiniteLossStopsTheRunAtThatStep() throws {
        var (config, model) = try detectionConfig(epochs: 2)
        let classes = try Dataset(directory: config.resolve(config.data)).manifest.classes.count
        let poisoned = try DetectionModel(definition: ModelDefinition(contentsOf: model), classes: classes)
        poisoned.state.parameterBuffer[0] = .nan
        let weights = directory.appendingPathComponent("nan.safetensors").path
        try poisoned.state.save(to: weights)
        config.weights = weights
        let run = directory.appendingPathComponent("run").path
        XCTAssertThrowsError(try train(config, model: model, run: run)) { error in
            let diverged = error as? TrainingDiverged
            XCTAssertEqual(diverged?.iteration, 0)
            XCTAssertEqual(diverged?.epoch, 0)
            XCTAssertTrue("\(error)".hasPrefix("training diverged: box_loss is NaN at epoch 1, step 1 (iteration 1); nothing of this step was applied"), "\(error)")
        }
        let checkpoints = (try? FileManager.default.contentsOfDirectory(atPath: "\(run)/checkpoints")) ?? []
        XCTAssertTrue(checkpoints.filter { $0.hasPrefix("step-") }.isEmpty, "\(checkpoints)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(run)/checkpoints/best"))
    }

    func testDetectionRunWritesItsRunDirectory() throws {
        let (config, model) = try detectionConfig(epochs: 2)
        let run = directory.appendingPathComponent("run").path
        let progress = try train(config, model: model, run: run)
        XCTAssertEqual(progress.results.count, 2)
        // 4 iterations of batch 4; YOLOv5's accumulation towards 64 images ramps 1 -> 8 -> 16 over the 2-iteration warmup,
        // so only iteration 0 steps the optimizer (the rest accumulate, and are carried in the checkpoint).
        XCTAssertEqual(progress.iteration, 4)
        XCTAssertEqual(progress.optimizerSteps, 1)
        let csv = try String(contentsOfFile: "\(run)/results.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        XCTAssertTrue(csv[0].hasPrefix("epoch,train/box_loss,train/obj_loss,train/cls_loss,metrics/mAP_0.5,metrics/mAP_0.5:0.95"), String(csv[0]))
        let metrics = try String(contentsOfFile: "\(run)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 4, "log_every 1: one line per step")
        let first = try JSONSerialization.jsonObject(with: Data(metrics[0].utf8)) as! [String: Any]
        XCTAssertNotNil((first["time"] as? [String: Any])?["data_wait"])
        let events = try String(contentsOfFile: "\(run)/events.jsonl", encoding: .utf8).split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["event"] as! String
        }
        XCTAssertEqual(events.first, "started")
        XCTAssertEqual(events.last, "done")
        XCTAssertEqual(events.filter { $0 == "epoch" }.count, 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(run)/plots/results.svg"))
        // YOLOv5's pictures, rendered by rsvg-convert: results.png and the validation curves.
        for picture in ["results.png", "PR_curve.png", "F1_curve.png", "confusion_matrix.png"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(run)/\(picture)")))
            XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], picture)
            XCTAssertGreaterThan(bytes.count, 5000, "\(picture): a chart, not an empty image")
        }
        // The first three training batches and the first validation batch, as YOLOv5 draws them.
        for picture in ["train_batch0.jpg", "train_batch1.jpg", "train_batch2.jpg", "val_batch0_labels.jpg", "val_batch0_pred.jpg", "labels.jpg"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(run)/\(picture)")))
            XCTAssertEqual(Array(bytes.prefix(2)), [0xFF, 0xD8], picture)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(run)/train_batch3.jpg"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(run)/config.yaml"))
        let last = try FileManager.default.destinationOfSymbolicLink(atPath: "\(run)/checkpoints/last")
        XCTAssertEqual(last, "step-000000004")
        for file in ["model.safetensors", "ema.safetensors", "optimizer.safetensors", "state.json", "DONE"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(run)/checkpoints/\(last)/\(file)"), file)
        }
        // The exported model loads into a fresh model of the same architecture.
        let fresh = try DetectionModel(definition: ModelDefinition(contentsOf: model))
        try fresh.state.load(from: "\(run)/checkpoints/\(last)/ema.safetensors")
    }

    /// TensorBoard scalars, read back by the `tensorboard` package: results.csv's columns by epoch (as YOLOv5 logs
    /// them) and each logged step's losses, learning rates, speed and time split by iteration, equal to metrics.jsonl.
    func testRunWritesTensorBoardScalars() throws {
        try TestTools.requirePython(["tensorboard"])
        let (config, model) = try detectionConfig(epochs: 2)
        let run = directory.appendingPathComponent("run").path
        let progress = try train(config, model: model, run: run)
        let files = try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.hasPrefix("events.out.tfevents.") }
        XCTAssertEqual(files.count, 1, "\(files)")
        let script = """
            import json, sys
            from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
            accumulator = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
            accumulator.Reload()
            print(json.dumps({tag: [[e.step, e.value] for e in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]}))
            """
        let read = try TestTools.runChecked(TestTools.python, ["-c", script, run])
        // As float32, what TensorBoard keeps (JSONSerialization may round the decimal text differently in float64).
        let scalars = try XCTUnwrap(JSONSerialization.jsonObject(with: read.output) as? [String: [[Double]]]).mapValues { $0.map { $0.map(Float.init) } }
        let lossNames = ["box_loss", "obj_loss", "cls_loss"], metricNames = ["mAP_0.5", "mAP_0.5:0.95", "AP75", "AP_S", "AP_M", "AP_L", "AR100", "AR_S", "precision", "recall"]
        let columns = Array(EpochResult.columns(lossNames: lossNames, metricNames: metricNames).dropFirst())
        for (index, column) in columns.enumerated() {
            let expected = progress.results.map { [Float($0.epoch), Float($0.values(lossNames: lossNames, metricNames: metricNames)[index]!)] }
            XCTAssertEqual(scalars[column], expected, column)
        }
        let logged = try String(contentsOfFile: "\(run)/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        func series(_ value: ([String: Any]) -> Double?) -> [[Float]] {
            logged.compactMap { line in value(line).map { [Float(line["iteration"] as! Int), Float($0)] } }
        }
        XCTAssertEqual(scalars["step/images_per_second"], series { $0["images_per_second"] as? Double })
        XCTAssertEqual(scalars["step/box_loss"], series { ($0["losses"] as? [String: Double])?["box_loss"] })
        XCTAssertEqual(scalars["step/lr2"], series { ($0["lr"] as? [Double])?[2] })
        XCTAssertEqual(scalars["step/time/forward"], series { ($0["time"] as? [String: Double])?["forward"] })
        XCTAssertEqual(scalars.keys.filter { $0.hasPrefix("step/") }.count, 3 + 3 + 2 + (logged.first?["time"] as? [String: Any])!.count)
    }

    /// A sample order file that covers fewer epochs than the run stops it before training, naming the file; one that
    /// covers them is replayed (the run's sample log holds exactly the listed keys, step by step).
    func testSampleOrderMustCoverTheRunAndIsReplayed() throws {
        let (_, model) = try detectionConfig(epochs: 2)
        let dataset = directory.appendingPathComponent("data").path
        var listed: [String] = []
        for shard in try Shards.Dataset(directory: dataset).shards(split: "train") {
            try Shards.Dataset(directory: dataset).openShard(shard).forEachSample { listed.append($0.key) }
        }
        XCTAssertEqual(listed.count, 8)
        let order = directory.appendingPathComponent("order.json").path
        let epoch = Array(listed.reversed())
        try JSONSerialization.data(withJSONObject: ["epochs": [epoch]]).write(to: URL(fileURLWithPath: order))
        let (short, _) = try detectionConfig(epochs: 2, extra: ["sample_order=\(order)"])
        XCTAssertThrowsError(try train(short, model: model, run: directory.appendingPathComponent("short").path)) { error in
            XCTAssertEqual("\(error)", "\(order): lists 1 epoch(s) but the run trains 2")
        }
        let (covered, _) = try detectionConfig(epochs: 1, extra: ["sample_order=\(order)", "record_samples=true"])
        let run = directory.appendingPathComponent("covered").path
        _ = try train(covered, model: model, run: run)
        let lines = try String(contentsOfFile: "\(run)/samples/rank-0.txt", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.flatMap { $0.split(separator: " ").dropFirst(2).map(String.init) }, epoch)
    }

    /// Two epochs, stop, resume for a third: bitwise the weights of three epochs in one go.
    func testResumeIsBitwiseExact() throws {
        let (three, model) = try detectionConfig(epochs: 3)
        let straight = directory.appendingPathComponent("straight").path
        _ = try train(three, model: model, run: straight)
        let (two, _) = try detectionConfig(epochs: 2)
        let interrupted = directory.appendingPathComponent("interrupted").path
        _ = try train(two, model: model, run: interrupted)
        let resumed = try train(three, model: model, run: interrupted, resume: .required)
        XCTAssertEqual(resumed.results.count, 3)
        for file in ["model.safetensors", "ema.safetensors", "optimizer.safetensors"] {
            let a = try SafeTensorsFile(contentsOf: "\(straight)/checkpoints/last/\(file)"), b = try SafeTensorsFile(contentsOf: "\(interrupted)/checkpoints/last/\(file)")
            XCTAssertEqual(a.names, b.names)
            for name in a.names { XCTAssertEqual(try a.rawBytes(name), try b.rawBytes(name), "\(file) \(name)") }
        }
    }

    func testFreshRunRefusesExistingCheckpoints() throws {
        let (config, model) = try detectionConfig(epochs: 1)
        let run = directory.appendingPathComponent("run").path
        _ = try train(config, model: model, run: run)
        XCTAssertThrowsError(try train(config, model: model, run: run)) { error in
            XCTAssertTrue("\(error)".contains("already has checkpoints"), "\(error)")
        }
        XCTAssertThrowsError(try train(config, model: model, run: directory.appendingPathComponent("empty").path, resume: .required)) { error in
            XCTAssertTrue("\(error)".contains("no checkpoint to resume from"), "\(error)")
        }
    }

    /// A sample that does not decode stops training with its shard and key, or with skip_bad is left out, counted and
    /// reported at the epoch end (with the samples that drew it as a mosaic partner).
    func testBadSampleStopsOrIsSkipped() throws {
        let data = directory.appendingPathComponent("data").path
        try SyntheticData.detection(at: data, train: 8, val: 4, brokenTrainSample: 5)
        let (config, model) = try detectionConfig(epochs: 1)
        XCTAssertThrowsError(try train(config, model: model, run: directory.appendingPathComponent("strict").path)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(".tar.zst: sample 'train") && message.contains("'train0005'") && message.contains("not a JPEG, PNG, PPM or PGM file"), message)
        }
        let (skipping, _) = try detectionConfig(epochs: 1, extra: ["skip_bad=true"])
        let run = directory.appendingPathComponent("skipping").path
        var lines: [String] = []
        _ = try TrainingRun.train(config: skipping, modelFile: model, communicator: LocalCommunicator(), runDirectory: run, resume: .fresh,
                                  interactive: false) { lines.append($0) }
        XCTAssertTrue(lines.contains { $0.hasPrefix("skip_bad: ") && $0.hasSuffix(" sample(s) or shard(s) left out in epoch 1:") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("train-000001.tar.zst: sample 'train0005': .png member: not a JPEG, PNG, PPM or PGM file") }, "\(lines)")
        let events = try String(contentsOfFile: "\(run)/events.jsonl", encoding: .utf8)
        XCTAssertTrue(events.contains("\"event\":\"skipped_samples\""))
    }
}
