import Foundation
import Support

/// One training run: model + data + hyperparameters + schedule, from configs/experiments/*.yaml with
/// command-line overrides (`--set key=value`, `hyp.key=value` for hyperparameters). Unknown keys and bad values
/// are errors naming the file (or "command line") and the field. Relative paths resolve against `baseDirectory`.
public struct ExperimentConfig: Equatable, Sendable {
    public var name = "run"
    /// A model file, or a model name under configs/models.
    public var model = ""
    /// A dataset directory (dataset.json and shards).
    public var data = ""
    /// Number of classes; default: the dataset's.
    public var classes: Int?
    public var epochs = 10
    /// Global batch (all ranks together); each rank takes batch / world size.
    public var batch = 16
    /// Images per optimizer step that gradient accumulation aims for (YOLOv5: 64; set it to `batch` for none).
    public var nominalBatch = 64
    public var imgsz = 640
    public var seed = 0
    /// A hyp file (configs/hyps/...); inline `hyp:` entries override it.
    public var hypFile = "configs/hyps/hyp.scratch.yaml"
    public var hyp = Hyperparameters()
    /// The GEMM operands' number format (bf16 on AMX or AVX512-BF16 CPUs; fp32 elsewhere, with a note).
    public var precision = Precision.fp32
    public var optimizer = OptimizerKind.sgd
    public var schedule = ScheduleKind.cosine
    public var milestones: [Int] = []
    public var gamma = 0.1
    public var ema = true
    public var syncBN = false
    /// Samples per shuffle window of the sample stream.
    public var window = 1000
    public var trainSplit = "train"
    public var valSplit = "val"
    /// Validate every N epochs (and after the last).
    public var valEvery = 1
    /// Write a metrics.jsonl line every N steps.
    public var logEvery = 10
    /// Checkpoint every N optimizer steps and/or every M minutes (0: only at epoch ends).
    public var checkpointEverySteps = 0
    public var checkpointEveryMinutes = 30.0
    public var keepCheckpoints = 3
    /// Compare replica checksums every N steps.
    public var replicaCheckEvery = 100
    /// Gradient all-reduce bucket size in MB.
    public var bucketMB = 25.0
    /// Classification input preprocessing: none, pad (zero-pad to imgsz) or area (area-downsample to imgsz).
    public var preprocess = InputPreprocess.none
    /// Classification augmentation: zero padding of the random crop (the ResNet recipes' 4; 0 turns cropping off).
    public var cropPadding = 4
    /// Stop an epoch after this many steps (0: the whole epoch); for smoke tests and benchmarks.
    public var maxStepsPerEpoch = 0
    /// Every rank appends the keys of each batch it trains on to samples/rank-N.txt ("epoch step key...") in the
    /// run directory: an audit trail of the data order (and how resume and elastic tests check it).
    public var recordSamples = false
    /// Checkpoint and stop cleanly once this many batches have been trained in total (0: run to the end); the run
    /// continues with --resume. For time-boxed jobs and tests.
    public var stopAfterIterations = 0
    /// End the job when a peer is silent this long while a collective waits (0: off; SPD_WATCHDOG_SECONDS also
    /// starts it).
    public var watchdogSeconds = 0.0
    /// Leave out samples that fail to decode (and shards that fail to read), count them and report them at each
    /// epoch end, instead of stopping at the first with an error.
    public var skipBad = false
    /// Weights to start from (a safetensors state dict under the reference PyTorch names, e.g. a PyTorch export or
    /// another run's model.safetensors); tensors whose name and shape match are loaded at a fresh start, the others
    /// keep their initialisation. Not used on resume (the checkpoint holds the weights).
    public var weights: String?
    /// A fixed sample order (`SampleOrderFile`: every training key, per epoch) instead of the seeded shuffle, e.g. to
    /// replay another system's order. It must list at least `epochs` epochs.
    public var sampleOrder: String?
    /// YOLOv5 v6.0 training-loop behaviours to follow for a like-for-like comparison (see `ReferenceQuirk`).
    public var referenceQuirks: Set<ReferenceQuirk> = []
    /// Where relative paths in the file are resolved.
    public var baseDirectory = FileManager.default.currentDirectoryPath

    public init() {}

    static let keys: Set<String> = [
        "name", "model", "data", "classes", "epochs", "batch", "nominal_batch", "imgsz", "world_size", "seed", "hyp_file", "hyp", "precision", "optimizer", "schedule", "milestones",
        "gamma", "ema", "sync_bn", "window", "train_split", "val_split", "val_every", "log_every", "checkpoint_every_steps",
        "checkpoint_every_minutes", "keep_checkpoints", "replica_check_every", "bucket_mb", "preprocess", "crop_padding", "max_steps_per_epoch", "record_samples", "stop_after_iterations", "skip_bad", "watchdog_seconds",
        "weights", "sample_order", "reference_quirks",
    ]

    /// Reads an experiment file and applies `overrides` ("key=value", "hyp.key=value").
    public init(contentsOf path: String, overrides: [String] = [], repositoryRoot: String? = nil) throws {
        let root = try BoundedYAML.load(try readSettingsFile(path), file: path)
        guard let values = root as? [String: Any] else { throw FileProblem(file: path, message: "expected a mapping of experiment settings") }
        self.init()
        name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        baseDirectory = repositoryRoot ?? FileManager.default.currentDirectoryPath
        var inlineHyp: [String: Any] = [:]
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            if key == "hyp" {
                guard let map = value as? [String: Any] else { throw FileProblem(file: path, message: "'hyp' must be a mapping of hyperparameters") }
                inlineHyp = map
            } else {
                try set(key, value, source: path)
            }
        }
        hyp = try Hyperparameters(contentsOf: resolve(hypFile))
        for (key, value) in inlineHyp.sorted(by: { $0.key < $1.key }) { try hyp.set(key, value, file: path) }
        for override in overrides { try apply(override: override) }
        try validate(source: path)
    }

    /// Applies one "key=value" or "hyp.key=value" override.
    public mutating func apply(override: String) throws {
        guard let equals = override.firstIndex(of: "=") else {
            throw FileProblem(file: "command line", message: "override '\(override)' is not key=value")
        }
        let key = String(override[..<equals]), text = String(override[override.index(after: equals)...])
        let value: Any = (try? BoundedYAML.load(text, file: "command line")).flatMap { $0 } ?? text
        if key.hasPrefix("hyp.") {
            try hyp.set(String(key.dropFirst(4)), value, file: "command line")
        } else if key == "hyp_file" {
            try set(key, value, source: "command line")
            hyp = try Hyperparameters(contentsOf: resolve(hypFile))
        } else {
            try set(key, value, source: "command line")
        }
        try validate(source: "command line")
    }

    /// A path from the configuration: absolute, or relative to the current directory when it exists there,
    /// otherwise relative to the base directory (the SPDTrain checkout, for the shipped configs).
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let local = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path).standardized.path
        if FileManager.default.fileExists(atPath: local) { return local }
        return URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardized.path
    }

    private mutating func set(_ key: String, _ value: Any, source: String) throws {
        func fail(_ expected: String) -> FileProblem { FileProblem(file: source, message: "'\(key)' must be \(expected), got \(value)") }
        func string() throws -> String { if let v = value as? String { return v }; if let v = value as? Int { return String(v) }; throw fail("a string") }
        func int() throws -> Int { if let v = value as? Int { return v }; if let s = value as? String, let v = Int(s) { return v }; throw fail("an integer") }
        func double() throws -> Double {
            if let v = value as? Double { return v }; if let v = value as? Int { return Double(v) }
            if let s = value as? String, let v = Double(s) { return v }; throw fail("a number")
        }
        func bool() throws -> Bool { if let v = value as? Bool { return v }; throw fail("true or false") }
        func choice<Setting: CaseIterable & RawRepresentable>(_: Setting.Type) throws -> Setting where Setting.RawValue == String {
            guard let setting = Setting(rawValue: try string().lowercased()) else { throw fail(Setting.choices) }
            return setting
        }
        switch key {
        case "name":
            name = try string()
            if let problem = RunName.problem(name) { throw FileProblem(file: source, message: "'name': \(problem)") }
        case "model": model = try string()
        case "data": data = try string()
        case "classes": classes = value is NSNull || (value as? String) == "null" ? nil : try int()
        case "epochs": epochs = try int()
        case "batch": batch = try int()
        case "nominal_batch": nominalBatch = try int()
        case "world_size": _ = try int()  // recorded in a run's config.yaml; the actual world comes from mpirun
        case "imgsz": imgsz = try int()
        case "seed": seed = try int()
        case "hyp_file": hypFile = try string()
        case "precision": precision = try choice(Precision.self)
        case "optimizer": optimizer = try choice(OptimizerKind.self)
        case "schedule": schedule = try choice(ScheduleKind.self)
        case "milestones":
            guard let list = value as? [Int] else { throw fail("a list of epochs") }
            milestones = list
        case "gamma": gamma = try double()
        case "ema": ema = try bool()
        case "sync_bn": syncBN = try bool()
        case "window": window = try int()
        case "train_split": trainSplit = try string()
        case "val_split": valSplit = try string()
        case "val_every": valEvery = try int()
        case "log_every": logEvery = try int()
        case "checkpoint_every_steps": checkpointEverySteps = try int()
        case "checkpoint_every_minutes": checkpointEveryMinutes = try double()
        case "keep_checkpoints": keepCheckpoints = try int()
        case "replica_check_every": replicaCheckEvery = try int()
        case "bucket_mb": bucketMB = try double()
        case "preprocess": preprocess = try choice(InputPreprocess.self)
        case "crop_padding": cropPadding = try int()
        case "max_steps_per_epoch": maxStepsPerEpoch = try int()
        case "record_samples": recordSamples = try bool()
        case "stop_after_iterations": stopAfterIterations = try int()
        case "skip_bad": skipBad = try bool()
        case "watchdog_seconds": watchdogSeconds = try double()
        case "weights": weights = value is NSNull || (value as? String) == "null" ? nil : try string()
        case "sample_order": sampleOrder = value is NSNull || (value as? String) == "null" ? nil : try string()
        case "reference_quirks":
            guard let names = value as? [String] else { throw fail("a list of: \(ReferenceQuirk.allCases.map(\.rawValue).joined(separator: ", "))") }
            referenceQuirks = Set(try names.map { name in
                guard let quirk = ReferenceQuirk(rawValue: name) else {
                    throw fail("a list of: \(ReferenceQuirk.allCases.map(\.rawValue).joined(separator: ", ")) ('\(name)' is none of them)")
                }
                return quirk
            })
        default:
            throw FileProblem(file: source, message: "unknown setting '\(key)' (known: \(Self.keys.sorted().joined(separator: ", ")))")
        }
    }

    private func validate(source: String) throws {
        func fail(_ message: String) -> FileProblem { FileProblem(file: source, message: message) }
        if model.isEmpty { throw fail("'model' is required (a model file or a name under configs/models)") }
        if data.isEmpty { throw fail("'data' is required (a dataset directory made by `spd data make`)") }
        // Every setting has a domain; a value outside it names the key (NaN and infinities are outside every one).
        let counts: [(String, Int, ClosedRange<Int>)] = [
            ("epochs", epochs, 1...100_000), ("batch", batch, 1...1_000_000), ("nominal_batch", nominalBatch, 1...1_000_000),
            ("imgsz", imgsz, 1...(1 << 15)), ("classes", classes ?? 1, 1...1_000_000), ("window", window, 1...1_000_000),
            ("val_every", valEvery, 1...100_000), ("log_every", logEvery, 1...1_000_000_000), ("keep_checkpoints", keepCheckpoints, 1...1000),
            ("replica_check_every", replicaCheckEvery, 1...1_000_000_000), ("checkpoint_every_steps", checkpointEverySteps, 0...1_000_000_000),
            ("crop_padding", cropPadding, 0...1024), ("max_steps_per_epoch", maxStepsPerEpoch, 0...1_000_000_000),
            ("stop_after_iterations", stopAfterIterations, 0...Int(Int32.max)),
        ]
        for (key, value, domain) in counts where !domain.contains(value) {
            throw fail("'\(key)' must be from \(domain.lowerBound) to \(domain.upperBound), got \(value)")
        }
        let numbers: [(String, Double, ClosedRange<Double>)] = [
            ("gamma", gamma, 0...1), ("checkpoint_every_minutes", checkpointEveryMinutes, 0...100_000), ("bucket_mb", bucketMB, 0.001...4096),
            ("watchdog_seconds", watchdogSeconds, 0...86_400),
        ]
        for (key, value, domain) in numbers where !domain.contains(value) {
            throw fail("'\(key)' must be a number from \(domain.lowerBound) to \(domain.upperBound), got \(value)")
        }
        if schedule == .step && milestones.isEmpty { throw fail("'schedule: step' needs 'milestones' (epochs)") }
        if let bad = milestones.first(where: { !(1...epochs).contains($0) }) { throw fail("'milestones' must be epochs from 1 to \(epochs), got \(bad)") }
    }

    /// The learning-rate schedule this configuration names.
    public var learningRateSchedule: LearningRateSchedule {
        switch schedule {
        case .cosine: return .cosine
        case .linear: return .linear
        case .step: return .step(milestones: milestones, gamma: gamma)
        }
    }

    /// The fully resolved configuration as YAML (the run directory's config.yaml).
    public func resolvedYAML(worldSize: Int) -> String {
        var lines = [
            "name: \(name)", "model: \(model)", "data: \(resolve(data))", "classes: \(classes.map(String.init) ?? "null")",
            "epochs: \(epochs)", "batch: \(batch)", "nominal_batch: \(nominalBatch)", "imgsz: \(imgsz)", "seed: \(seed)", "precision: \(precision.rawValue)", "optimizer: \(optimizer.rawValue)", "schedule: \(schedule.rawValue)",
            "milestones: \(milestones)", "gamma: \(gamma)", "ema: \(ema)", "sync_bn: \(syncBN)", "window: \(window)",
            "train_split: \(trainSplit)", "val_split: \(valSplit)", "val_every: \(valEvery)", "log_every: \(logEvery)",
            "checkpoint_every_steps: \(checkpointEverySteps)", "checkpoint_every_minutes: \(checkpointEveryMinutes)",
            "keep_checkpoints: \(keepCheckpoints)", "replica_check_every: \(replicaCheckEvery)", "bucket_mb: \(bucketMB)",
            "preprocess: \(preprocess.rawValue)", "crop_padding: \(cropPadding)", "max_steps_per_epoch: \(maxStepsPerEpoch)", "record_samples: \(recordSamples)", "stop_after_iterations: \(stopAfterIterations)", "skip_bad: \(skipBad)", "watchdog_seconds: \(watchdogSeconds)", "weights: \(weights.map(resolve) ?? "null")", "sample_order: \(sampleOrder.map(resolve) ?? "null")", "reference_quirks: [\(referenceQuirks.map(\.rawValue).sorted().joined(separator: ", "))]", "world_size: \(worldSize)", "hyp:",
        ]
        let mirror = Mirror(reflecting: hyp)
        for child in mirror.children { if let label = child.label { lines.append("  \(label): \(child.value)") } }
        return lines.joined(separator: "\n") + "\n"
    }
}
