import Foundation
import RunFormat
import Shards

/// Turns a sweep (or single experiment) file into checked runs: every run's configuration is loaded exactly as
/// `spd train` will load it (so a bad key, value or missing file is an error now, naming the run), its model file
/// must exist and build, and its rank count is fixed.
public struct Submission {
    /// The SPDTrain checkout (configs/ lives there).
    public var repositoryRoot: String
    /// Model name -> model file (as `spd train` resolves it).
    public var resolveModel: (String) -> String
    /// Where run directories go.
    public var runsDirectory: String
    /// The directory runs start in (relative paths of the experiment resolve from it).
    public var workdir: String
    /// Total slots of the pool, the most ranks a run can get (nil: unknown, no limit).
    public var poolSlots: Int?

    public init(repositoryRoot: String, resolveModel: @escaping (String) -> String, runsDirectory: String, workdir: String, poolSlots: Int?) {
        self.repositoryRoot = repositoryRoot
        self.resolveModel = resolveModel
        self.runsDirectory = runsDirectory
        self.workdir = workdir
        self.poolSlots = poolSlots
    }

    /// The runs of `file` with `extraSettings` (`key=value`, applied last to every run).
    public func runs(of file: String, extraSettings: [String]) throws -> [RunSpec] {
        let sweep = try SweepFile(contentsOf: file)
        var costs: [String: ModelCost] = [:]
        return try sweep.plans.map { plan in
            func fail(_ message: String) -> CoordinatorError { CoordinatorError("\(file): run \(plan.name): \(message)") }
            let settings = plan.allSettings + extraSettings
            let config: ExperimentConfig
            do { config = try ExperimentConfig(contentsOf: sweep.base, overrides: settings, repositoryRoot: repositoryRoot) } catch {
                throw fail("\(error)")
            }
            let modelFile = resolveModel(config.model)
            guard FileManager.default.fileExists(atPath: modelFile) else {
                throw fail("unknown model '\(config.model)' (no file \(modelFile); names resolve under configs/models)")
            }
            var ranks = sweep.fixedRanks(for: plan)
            if ranks == nil {
                let key = "\(modelFile)@\(config.imgsz)"
                let cost: ModelCost
                do { cost = try costs[key] ?? ModelCost(modelFile: modelFile, classes: try classes(config), imageSize: config.imgsz) } catch {
                    throw fail("model \(config.model): \(error)")
                }
                costs[key] = cost
                ranks = cost.ranks(gflopsPerRank: sweep.rankGFLOPs, globalBatch: config.batch, maximum: poolSlots ?? Int.max)
            }
            let count = ranks ?? 1
            guard config.batch % count == 0 else { throw fail("the global batch \(config.batch) does not split over \(count) ranks") }
            if let poolSlots, count > poolSlots { throw fail("needs \(count) ranks but the pool has \(poolSlots) slots") }
            return RunSpec(name: plan.name, sweep: sweep.name, size: plan.size.isEmpty ? config.model : plan.size, variant: plan.variant,
                           model: config.model, seed: config.seed, experiment: sweep.base, settings: settings, workdir: workdir,
                           runDirectory: "\(runsDirectory)/\(plan.name)", ranks: count, imgsz: config.imgsz)
        }
    }

    /// The class count the run's model is built with: the configuration's, else the dataset's.
    private func classes(_ config: ExperimentConfig) throws -> Int? {
        if let classes = config.classes { return classes }
        return try Dataset(directory: config.resolve(config.data)).manifest.classes.count
    }
}
