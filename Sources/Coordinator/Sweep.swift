import Support
import Foundation
import RunFormat
import Yams

/// What `spd submit` reads: a sweep file, expanded into one `RunPlan` per (model, variant, seed, override set); or a
/// plain experiment file, which is a single run.
///
/// ```yaml
/// sweep:
///   name: tiny-sweep             # default: the file's name
///   base: tiny-base.yaml         # the experiment file every run starts from (relative to this file)
///   models: [n, s]               # model sizes, substituted for {model} in the variants' model names
///   variants: {spd: "yolov5-spd-{model}", strided: "yolov5-{model}"}   # optional; without it models are model names
///   seeds: [0, 1]                # default [the base's seed]
///   set: {epochs: 30}            # settings for every run (spd train --set)
///   overrides: [{hyp.lr0: 0.01}, {hyp.lr0: 0.02}]   # optional: every run once per entry (a variant of its own in the report)
///   ranks: 2                     # optional: a number, or a map model -> number; default: from the model's cost
///   rank_gflops: 4               # with ranks chosen from the cost: one rank per this many forward GFLOPs per image
/// ```
public struct SweepFile: Equatable, Sendable {
    public var name: String
    public var base: String
    public var plans: [RunPlan]
    /// The rank count when the file fixes it for a model size (nil: choose from the model's cost).
    public var ranks: [String: Int]
    public var defaultRanks: Int?
    public var rankGFLOPs: Double

    /// The ranks the file asks for this run, or nil.
    public func fixedRanks(for plan: RunPlan) -> Int? { ranks[plan.size] ?? defaultRanks }

    static let keys = ["name", "base", "models", "variants", "seeds", "set", "overrides", "ranks", "rank_gflops"]

    /// Reads `path`; a file without a `sweep:` key is a single run of that experiment.
    public init(contentsOf path: String) throws {
        let root = try BoundedYAML.compose(try readSettingsFile(path), file: path)
        guard let mapping = root?.mapping else { throw CoordinatorError("\(path): expected a mapping (an experiment, or 'sweep:')") }
        let fileName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let absolute = URL(fileURLWithPath: path).standardizedFileURL
        guard let sweep = mapping["sweep"] else {
            let name = mapping["name"]?.string ?? fileName
            self.init(name: name, base: absolute.path, plans: [RunPlan(name: name, size: "", variant: "", model: nil, seed: nil, settings: [])],
                      ranks: [:], defaultRanks: mapping["world_size"]?.int, rankGFLOPs: 4)
            return
        }
        guard mapping.count == 1 else { throw CoordinatorError("\(path): a sweep file has only the key 'sweep' (the experiment settings go in its base file or 'set')") }
        try self.init(sweep: sweep, path: path, defaultName: fileName, directory: absolute.deletingLastPathComponent())
    }

    init(name: String, base: String, plans: [RunPlan], ranks: [String: Int], defaultRanks: Int?, rankGFLOPs: Double) {
        self.name = name
        self.base = base
        self.plans = plans
        self.ranks = ranks
        self.defaultRanks = defaultRanks
        self.rankGFLOPs = rankGFLOPs
    }

    private init(sweep: Node, path: String, defaultName: String, directory: URL) throws {
        func fail(_ field: String, _ message: String) -> CoordinatorError { CoordinatorError("\(path): sweep.\(field): \(message)") }
        guard let fields = sweep.mapping else { throw fail("", "expected a mapping with base, models, ...") }
        for key in fields.keys.compactMap(\.string) where !Self.keys.contains(key) {
            throw fail(key, "unknown key (known: \(Self.keys.joined(separator: ", ")))")
        }
        let name = fields["name"]?.string ?? defaultName
        if let problem = RunName.problem(name) { throw fail("name", problem) }
        guard let baseName = fields["base"]?.string else { throw fail("base", "required: the experiment file every run starts from") }
        let base = baseName.hasPrefix("/") ? baseName : directory.appendingPathComponent(baseName).standardized.path
        guard FileManager.default.fileExists(atPath: base) else { throw fail("base", "no such experiment file \(base)") }
        guard let models = fields["models"]?.sequence?.map({ $0.string ?? "" }), !models.isEmpty, !models.contains("") else {
            throw fail("models", "required: a list of model sizes or names")
        }
        var variants: [(name: String, pattern: String)] = []
        if let node = fields["variants"] {
            guard let map = node.mapping, !map.isEmpty else { throw fail("variants", "expected a map variant -> model name pattern ({model} is the size)") }
            for (key, value) in map {
                guard let variant = key.string, let pattern = value.string else { throw fail("variants", "expected variant: \"model-name-{model}\"") }
                variants.append((variant, pattern))
            }
        }
        var seeds: [Int?] = [nil]
        if let node = fields["seeds"] {
            guard let list = node.sequence?.map(\.int), !list.isEmpty, !list.contains(nil) else { throw fail("seeds", "expected a list of integers") }
            seeds = list
        }
        let common = try fields["set"].map { try Self.settings($0, field: "set", path: path) } ?? []
        var overrideSets: [[String]] = [[]]
        if let node = fields["overrides"] {
            guard let list = node.sequence, !list.isEmpty else { throw fail("overrides", "expected a list of setting maps") }
            overrideSets = try list.map { try Self.settings($0, field: "overrides", path: path) }
        }
        var ranks: [String: Int] = [:], defaultRanks: Int?
        if let node = fields["ranks"] {
            if let count = node.int {
                defaultRanks = count
            } else if let map = node.mapping {
                for (key, value) in map {
                    guard let model = key.string, let count = value.int else { throw fail("ranks", "expected model: number") }
                    ranks[model] = count
                }
            } else {
                throw fail("ranks", "expected a number or a map model -> number")
            }
            if (ranks.values + [defaultRanks ?? 1]).contains(where: { $0 < 1 }) { throw fail("ranks", "rank counts must be at least 1") }
        }
        let rankGFLOPs = fields["rank_gflops"]?.float ?? 4
        guard rankGFLOPs > 0 else { throw fail("rank_gflops", "must be positive") }

        for (field, names) in [("models", models), ("variants", variants.map(\.name))] {
            if let problem = names.lazy.compactMap(RunName.problem).first { throw fail(field, problem) }
        }
        var plans: [RunPlan] = []
        for model in models {
            for variant in variants.isEmpty ? [(name: "", pattern: model)] : variants {
                for seed in seeds {
                    for (index, overrides) in overrideSets.enumerated() {
                        var parts = [name, model] + (variant.name.isEmpty ? [] : [variant.name]) + (seed.map { ["s\($0)"] } ?? [])
                        if overrideSets.count > 1 { parts.append("o\(index)") }
                        // The report compares override sets as variants of their own ("spd precision=bf16").
                        let label = overrideSets.count > 1 ? ([variant.name].filter { !$0.isEmpty } + [overrides.joined(separator: ", ")]).joined(separator: " ") : variant.name
                        plans.append(RunPlan(name: parts.joined(separator: "-"), size: model, variant: label,
                                             model: variant.pattern.replacingOccurrences(of: "{model}", with: model), seed: seed, settings: common + overrides))
                    }
                }
            }
        }
        self.init(name: name, base: base, plans: plans, ranks: ranks, defaultRanks: defaultRanks, rankGFLOPs: rankGFLOPs)
    }

    /// A map of settings as `key=value` strings in file order (lists of scalars as `[a, b]`).
    private static func settings(_ node: Node, field: String, path: String) throws -> [String] {
        guard let map = node.mapping else { throw CoordinatorError("\(path): sweep.\(field): expected a map of settings (key: value)") }
        return try map.map { key, value in
            guard let name = key.string else { throw CoordinatorError("\(path): sweep.\(field): setting names must be strings") }
            if let scalar = value.scalar { return "\(name)=\(scalar.string)" }
            if let list = value.sequence, let items = Optional(list.compactMap(\.scalar?.string)), items.count == list.count {
                return "\(name)=[\(items.joined(separator: ", "))]"
            }
            throw CoordinatorError("\(path): sweep.\(field).\(name): expected a value or a list of values")
        }
    }
}

/// One run of a sweep before it is checked and sized: its name, where it sits in the comparison, and the settings
/// it adds to the base experiment.
public struct RunPlan: Equatable, Sendable {
    public var name: String
    public var size: String
    public var variant: String
    /// The model, or nil to keep the base experiment's.
    public var model: String?
    /// The seed, or nil to keep the base experiment's.
    public var seed: Int?
    public var settings: [String]

    /// Every `--set` this run passes to `spd train`: its name, model and seed, then the sweep's settings.
    public var allSettings: [String] {
        ["name=\(name)"] + (model.map { ["model=\($0)"] } ?? []) + (seed.map { ["seed=\($0)"] } ?? []) + settings
    }
}
