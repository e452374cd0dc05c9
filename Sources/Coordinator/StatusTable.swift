import POSIXFiles
import Foundation
import Support

/// `spd status`: one line per run (state from the queue, progress from its events.jsonl) and the pool.
public enum StatusTable {
    /// The table for `runs`, then the hosts (with why a host left the pool).
    public static func render(runs: [RunRecord], hosts: [HostStatus], now: Double) -> String {
        let headings = ["run", "model", "state", "ranks@hosts", "epoch/step", "images/s", "ETA", "best AP", "AP_S", "restarts"]
        var table = TextTable(headings, alignment: .left)
        var notes: [String] = []
        for run in runs {
            let progress = RunProgress(events: EventLog(path: "\(run.spec.runDirectory)/events.jsonl").readNew())
            let epochs = configuredEpochs(run.spec.runDirectory)
            let active = run.state == .running || run.state == .starting
            var state = run.state.rawValue
            if run.state == .queued, run.notBefore > now { state += " (retry in \(Int(run.notBefore - now)) s)" }
            let of = "/\(epochs.map(String.init) ?? "?")"
            let epochStep = progress.step.map { "\((progress.epoch ?? 0) + 1)\(of) s\($0 + 1)" } ?? (progress.epoch == nil ? "-" : "\(progress.epochsDone)\(of)")
            table.add([
                run.name, run.spec.model, state,
                "\(run.spec.ranks)" + (active ? "@" + run.placement.map { "\($0.host):\($0.slots)" }.joined(separator: ",") : ""),
                epochStep,
                active ? progress.imagesPerSecond.map { String(format: "%.1f", $0) } ?? "-" : "-",
                active ? epochs.flatMap(progress.secondsLeft).map(duration) ?? "-" : "-",
                progress.bestAP.map { String(format: "%.4f", $0) } ?? "-",
                progress.bestAPSmall.map { String(format: "%.4f", $0) } ?? "-",
                "\(run.restarts)",
            ])
            if let error = run.error, run.state != .done { notes.append("\(run.name): \(error)") }
        }
        var lines = table.lines
        if !notes.isEmpty { lines += [""] + notes }
        lines.append("")
        lines.append("hosts: " + (hosts.isEmpty ? "none (no coordinator has started on this state directory)" : hosts.map { host in
            "\(host.host) \(host.slots) slots" + (host.disabledReason.map { " (out of the pool: \($0))" } ?? "")
        }.joined(separator: "; ")))
        return lines.joined(separator: "\n") + "\n"
    }

    /// epochs from the run's config.yaml (written when training starts).
    private static func configuredEpochs(_ directory: String) -> Int? {
        let file = "\(directory)/config.yaml"
        guard let text = try? readTextFile(file, limit: BoundedYAML.maximumBytes) else { return nil }
        return ((try? BoundedYAML.load(text, file: file)) as? [String: Any])?["epochs"] as? Int
    }

    private static func duration(_ seconds: Double) -> String {
        let total = Int(seconds)
        return total >= 3600 ? "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" : "\(total / 60)m\(String(format: "%02d", total % 60))s"
    }
}
