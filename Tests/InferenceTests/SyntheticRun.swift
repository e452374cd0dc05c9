import Distributed
import Foundation
import TestSupport
import Imaging
import Shards
import Training
import RunFormat

/// A tiny detection run (a 2-class detector trained for 2 epochs on 8 synthetic 64 px images) made once per test
/// process; tests copy it before damaging it.
enum SyntheticRun {
    /// The shipped tiny SPD detector (configs/models/tiny-spd.yaml, 2 classes).
    static var tinyDetector: String {
        (try? String(contentsOfFile: Fixtures.modelFile("tiny-spd"), encoding: .utf8)) ?? ""
    }

    /// The directory holding `model.yaml`, `data/` and the run directory `run/`.
    nonisolated(unsafe) private static var made: Result<String, Error>?

    static func directory() throws -> String {
        if made == nil { made = Result { try make() } }
        return try made!.get()
    }

    /// Deletes the run made by `directory()`.
    static func remove() {
        if case let .success(directory) = made { try? FileManager.default.removeItem(atPath: directory) }
        made = nil
    }

    private static func make() throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        try detectionData(at: "\(directory)/data", train: 8, val: 4)
        try tinyDetector.write(toFile: "\(directory)/model.yaml", atomically: true, encoding: .utf8)
        try """
        model: \(directory)/model.yaml
        data: \(directory)/data
        epochs: 2
        batch: 4
        imgsz: 64
        seed: 3
        window: 8
        checkpoint_every_minutes: 0
        hyp_file: configs/hyps/hyp.scratch.yaml
        hyp:
          warmup_min_iterations: 2
          warmup_epochs: 1
        """.write(toFile: "\(directory)/experiment.yaml", atomically: true, encoding: .utf8)
        let config = try ExperimentConfig(contentsOf: "\(directory)/experiment.yaml", overrides: [], repositoryRoot: Fixtures.repositoryRoot.path)
        _ = try TrainingRun.train(config: config, modelFile: "\(directory)/model.yaml", communicator: LocalCommunicator(),
                                  runDirectory: "\(directory)/run", resume: .fresh, interactive: false) { _ in }
        return directory
    }

    /// `count` 64 px grey images per split with one red (class 0) or blue (class 1) square each, as PNG shards.
    private static func detectionData(at directory: String, train: Int, val: Int) throws {
        let size = 64
        var random = SeededRandom(seed: 1)
        var splits: [String: [ShardInfo]] = [:]
        for (split, count) in [("train", train), ("val", val)] {
            let writer = try ShardWriter(directory: directory, split: split, maxSamplesPerShard: 5)
            for index in 0..<count {
                var pixels = [UInt8](repeating: 128, count: size * size * 3)
                let side = 12 + random.next(upTo: 14), x = random.next(upTo: size - side), y = random.next(upTo: size - side)
                let color: [UInt8] = index % 2 == 0 ? [220, 30, 30] : [30, 30, 220]
                for yy in y..<(y + side) { for xx in x..<(x + side) { for c in 0..<3 { pixels[(yy * size + xx) * 3 + c] = color[c] } } }
                let image = Image(width: size, height: size, format: .rgb, pixels: pixels)
                let label = try JSONSerialization.data(withJSONObject: ["width": size, "height": size, "boxes": [[x, y, side, side, index % 2]]])
                try writer.append(key: String(format: "%@%04d", split, index), members: [(extension: "png", data: try image.pngData()), (extension: "json", data: Array(label))])
            }
            splits[split] = try writer.finish()
        }
        try DatasetManifest(name: "synthetic-detect", task: .detect, classes: ["red", "blue"], imageSize: .fixed(width: size, height: size),
                            splits: splits, creator: .init(tool: "SyntheticRun", version: "1")).write(to: "\(directory)/dataset.json")
    }
}

