import Foundation
import Support

/// YOLOv5's fitness of a detector's validation, the one formula everything ranks epochs and runs by:
/// 0.1 mAP@0.5 + 0.9 mAP@0.5:0.95.
public func detectionFitness(ap50: Double, ap: Double) -> Double { 0.1 * ap50 + 0.9 * ap }

/// A run's results.csv read back (the file `EpochResult.csv` writes, or YOLOv5's own with its padded cells), or any
/// CSV of numbers with a header: its columns, each row's cells, and each row's numeric values by column.
public struct ResultsTable: Sendable {
    public let columns: [String]
    /// The cells of each row as written (without surrounding spaces).
    public let cells: [[String]]
    /// Each row's numeric cells by column; cells that are not numbers are absent.
    public let rows: [[String: Double]]

    /// Parses CSV text; a row whose column count differs from the header's is an error naming `file`.
    public init(csv: String, file: String) throws {
        let lines = csv.split(whereSeparator: \.isNewline).map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        columns = lines.first ?? []
        cells = try lines.dropFirst().enumerated().map { index, row in
            guard row.count == lines[0].count else {
                throw FileProblem(file: file, message: "row \(index + 1) has \(row.count) columns, the header \(lines[0].count)")
            }
            return row
        }
        rows = cells.map { row in
            Dictionary(zip(lines[0], row).compactMap { column, value in Double(value).map { (column, $0) } }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The results.csv at `path`; nil when there is none (or it cannot be read).
    public init?(contentsOf path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        try self.init(csv: text, file: path)
    }

    /// The metric columns (`metrics/mAP_0.5` -> `mAP_0.5`), in file order.
    public var metricNames: [String] { columns.filter { $0.hasPrefix("metrics/") }.map { String($0.dropFirst("metrics/".count)) } }

    /// A row's metrics by name (without the `metrics/` prefix).
    public func metrics(ofRow index: Int) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: rows[index].compactMap { column, value in
            column.hasPrefix("metrics/") ? (String(column.dropFirst("metrics/".count)), value) : nil
        })
    }

    /// The metrics of the row with the best detection fitness; nil when no row has mAP@0.5 and mAP@0.5:0.95.
    public func bestDetectionMetrics() -> [String: Double]? {
        var best: (fitness: Double, metrics: [String: Double])?
        for index in rows.indices {
            let metrics = metrics(ofRow: index)
            guard let ap = metrics["mAP_0.5:0.95"], let ap50 = metrics["mAP_0.5"] else { continue }
            let fitness = detectionFitness(ap50: ap50, ap: ap)
            if best == nil || fitness > best!.fitness { best = (fitness, metrics) }
        }
        return best?.metrics
    }
}
