import Foundation
import RunFormat

/// One checkpoint of a run as `spd checkpoint list` shows it.
public struct CheckpointSummary {
    /// The step directory's name (`step-000001234`).
    public let name: String
    /// What state.json records (nil when it is missing or unreadable).
    public let progress: TrainingProgress?
    /// Why the checkpoint cannot be loaded, or nil when it validates.
    public let problem: String?
    public let isLast: Bool
    public let isBest: Bool

    /// Every checkpoint of the run, newest first, validated (DONE, state.json, checksums; any configuration).
    public static func all(in checkpoints: RunCheckpoints) -> [CheckpointSummary] {
        let last = checkpoints.target(ofLink: "last"), best = checkpoints.target(ofLink: "best")
        return checkpoints.names().map { name in
            var problem: String?
            do { _ = try checkpoints.store.validate(name, identity: nil) } catch let error as CheckpointProblem {
                problem = error.reason
            } catch {
                problem = "\(error)"
            }
            return CheckpointSummary(name: name, progress: checkpoints.record(name)?.progress, problem: problem,
                                     isLast: name == last, isBest: name == best)
        }
    }
}

/// The text table of `spd checkpoint list`: one row per checkpoint, metric columns named as in results.csv.
public struct CheckpointTable {
    public let header: [String]
    public let rows: [[String]]

    /// The table of `run`'s checkpoints; metric names come from the run's results.csv header.
    public init(run checkpoints: RunCheckpoints) {
        let summaries = CheckpointSummary.all(in: checkpoints)
        let metricCount = summaries.compactMap { $0.progress?.results.last?.metrics.count }.max() ?? 0
        var metricNames = (try? ResultsTable(contentsOf: "\(checkpoints.runDirectory)/results.csv"))??.metricNames ?? []
        if metricNames.count != metricCount { metricNames = (0..<metricCount).map { "metric\($0)" } }
        header = ["checkpoint", "links", "epoch", "step", "iteration", "saved", "world", "best fitness"] + metricNames + ["status"]
        rows = summaries.map { summary in
            let links = [summary.isLast ? "last" : nil, summary.isBest ? "best" : nil].compactMap { $0 }.joined(separator: ",")
            let status = summary.problem ?? "ok"
            guard let progress = summary.progress else {
                return [summary.name, links] + [String](repeating: "-", count: 6 + metricCount) + [status]
            }
            let metrics = progress.results.last?.metrics ?? []
            return [summary.name, links, String(progress.position.epoch), String(progress.position.step), String(progress.iteration),
                    Self.timestamp(progress.savedAt), String(progress.worldSize), progress.bestFitness.map(Self.number) ?? "-"]
                + (0..<metricCount).map { metrics.indices.contains($0) ? Self.number(metrics[$0]) : "-" } + [status]
        }
    }

    private static func number(_ value: Double) -> String { value.isFinite ? String(format: "%.4f", value) : "-" }

    private static func timestamp(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
