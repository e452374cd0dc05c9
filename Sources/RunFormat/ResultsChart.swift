import Support

extension ResultsTable {
    /// A chart of the table: one panel per column in `columns` (default: every column but `x`), each with one line
    /// per distinct value of the `group` column (one line without it), named `name` and the group's value.
    /// An unknown column is an error naming `file`.
    public func chartPanels(x: String, columns wanted: [String]? = nil, group: String? = nil, name: String = "", file: String) throws -> [SVGChart.Panel] {
        let chosen = wanted ?? columns.filter { $0 != x && $0 != group }
        for column in [x] + chosen + (group.map { [$0] } ?? []) where !columns.contains(column) {
            throw FileProblem(file: file, message: "no column '\(column)' (columns: \(columns.joined(separator: ", ")))")
        }
        let groupIndex = group.flatMap { columns.firstIndex(of: $0) }
        var groups: [String] = []
        for row in cells { let key = groupIndex.map { row[$0] } ?? ""; if !groups.contains(key) { groups.append(key) } }
        return chosen.map { column in
            let series = groups.map { key in
                let members = rows.indices.filter { index in groupIndex.map { cells[index][$0] == key } ?? true }
                let points = members.compactMap { index -> SVGChart.Point? in
                    guard let xValue = rows[index][x], let yValue = rows[index][column] else { return nil }
                    return SVGChart.Point(x: xValue, y: yValue)
                }
                let label = [name, key].filter { !$0.isEmpty }.joined(separator: " ")
                return SVGChart.Series(name: label.isEmpty ? column : label, points: points)
            }
            return SVGChart.Panel(title: column, xLabel: x, series: series)
        }
    }

    /// plots/results.svg of a run: every column against the epoch, four panels a row.
    public func resultsChart(file: String) throws -> SVGChart {
        SVGChart(panels: try chartPanels(x: "epoch", file: file), columns: 4, panelWidth: 280, panelHeight: 190)
    }
}
