import Foundation

/// A plain-text table, the one renderer of the project's tables (benchmarks, `spd status`, `spd checkpoint list`):
/// columns two spaces apart, right-aligned under a dashed rule (numbers), or left-aligned without one (lists).
public struct TextTable {
    public enum Alignment: Sendable { case left, right }

    public var header: [String]
    public var rows: [[String]] = []
    public var alignment: Alignment

    public init(_ header: [String], alignment: Alignment = .right) {
        self.header = header
        self.alignment = alignment
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    /// The lines of the table: right-aligned ones with a dashed rule under the header; left-aligned ones without
    /// one, and without the padding at the ends of lines.
    public var lines: [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func padding(_ cell: String, _ column: Int) -> String { String(repeating: " ", count: max(widths[column] - cell.count, 0)) }
        switch alignment {
        case .right:
            func line(_ cells: [String]) -> String { cells.enumerated().map { padding($0.element, $0.offset) + $0.element }.joined(separator: "  ") }
            return [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line)
        case .left:
            return all.map { cells in
                cells.enumerated().map { $0.element + padding($0.element, $0.offset) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }
        }
    }

    public var rendered: String { lines.joined(separator: "\n") }
}
