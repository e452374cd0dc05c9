import Foundation

/// `spd report`: SPD against strided for each model size, over the seeds of a sweep.
public struct Report: Sendable {
    /// One (size, variant) of the sweep with its finished seeds.
    public struct Row: Equatable, Sendable {
        public var size: String
        public var variant: String
        public var runs: Int
        public var finished: Int
        public var parameters: Int?
        public var gflops: Double?
        /// Mean and sample standard deviation over the finished seeds, per column.
        public var values: [String: Spread]
    }

    /// A mean and the sample standard deviation (0 with one value).
    public struct Spread: Equatable, Sendable {
        public var mean: Double
        public var deviation: Double

        public init(_ values: [Double]) {
            let mean = values.reduce(0, +) / Double(values.count)
            let squares = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
            self.mean = mean
            deviation = values.count > 1 ? (squares / Double(values.count - 1)).squareRoot() : 0
        }
    }

    /// The value columns: key (a results.csv metric, images_per_second or wall_seconds) and heading.
    public static let columns: [(key: String, heading: String)] = [
        ("mAP_0.5:0.95", "AP"), ("mAP_0.5", "AP50"), ("AP_S", "AP_S"), ("AP_M", "AP_M"), ("AP_L", "AP_L"),
        ("images_per_second", "images/s"), ("wall_seconds", "wall s"),
    ]

    public var sweep: String
    public var rows: [Row]

    /// Groups runs by (size, variant) in sweep order; `results[name]` holds the finished ones, `costs[name]` their
    /// model's size.
    public init(sweep: String, runs: [RunSpec], results: [String: RunResults], costs: [String: ModelCost]) {
        self.sweep = sweep
        var rows: [Row] = []
        for run in runs where !rows.contains(where: { $0.size == run.size && $0.variant == run.variant }) {
            let group = runs.filter { $0.size == run.size && $0.variant == run.variant }
            let finished = group.compactMap { results[$0.name] }
            var values: [String: Spread] = [:]
            for (key, _) in Self.columns {
                let samples = finished.compactMap { result -> Double? in
                    switch key {
                    case "images_per_second": return result.imagesPerSecond
                    case "wall_seconds": return result.wallSeconds
                    default: return result.metrics[key]
                    }
                }
                if !samples.isEmpty { values[key] = Spread(samples) }
            }
            let cost = group.lazy.compactMap { costs[$0.name] }.first
            rows.append(Row(size: run.size, variant: run.variant, runs: group.count, finished: finished.count, parameters: cost?.parameters,
                            gflops: cost?.gflops, values: values))
        }
        self.rows = rows
    }

    /// A Markdown table, values as mean ± spread.
    public var markdown: String {
        let headings = ["size", "variant", "seeds", "params", "GFLOPs"] + Self.columns.map(\.heading)
        var lines = ["| " + headings.joined(separator: " | ") + " |", "|" + headings.map { _ in "---" }.joined(separator: "|") + "|"]
        for row in rows {
            let variant = row.variant.isEmpty ? "-" : row.variant
            let parameters = row.parameters.map(String.init) ?? "-"
            let gflops = row.gflops.map { String(format: "%.2f", $0) } ?? "-"
            let values: [String] = Self.columns.map { column -> String in
                guard let spread = row.values[column.key] else { return "-" }
                return Self.format(spread.mean, column.key) + " ± " + Self.format(spread.deviation, column.key)
            }
            let cells: [String] = [row.size, variant, "\(row.finished)/\(row.runs)", parameters, gflops] + values
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// CSV: one line per row, a mean and a std column per value.
    public var csv: String {
        let header = ["size", "variant", "seeds_finished", "seeds", "parameters", "gflops"] + Self.columns.flatMap { ["\($0.heading)_mean", "\($0.heading)_std"] }
        let lines = rows.map { row -> String in
            let parameters = row.parameters.map(String.init) ?? ""
            let gflops = row.gflops.map { String(format: "%.4f", $0) } ?? ""
            let values: [String] = Self.columns.flatMap { column -> [String] in
                guard let spread = row.values[column.key] else { return ["", ""] }
                return ["\(spread.mean)", "\(spread.deviation)"]
            }
            return ([row.size, row.variant, "\(row.finished)", "\(row.runs)", parameters, gflops] + values).joined(separator: ",")
        }
        return ([header.joined(separator: ",")] + lines).joined(separator: "\n") + "\n"
    }

    private static func format(_ value: Double, _ key: String) -> String {
        switch key {
        case "images_per_second": return String(format: "%.1f", value)
        case "wall_seconds": return String(format: "%.0f", value)
        default: return String(format: "%.4f", value)
        }
    }
}
