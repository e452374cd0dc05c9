import Support

/// The report's chart: AP_S against parameters, one line per variant through its sizes, with the seed spread as
/// error bars.
extension Report {
    public var plotSVG: String {
        let points = rows.compactMap { row -> (row: Row, point: SVGChart.Point)? in
            guard let parameters = row.parameters, let ap = row.values["AP_S"] else { return nil }
            return (row, SVGChart.Point(x: Double(parameters), y: ap.mean, spread: ap.deviation, label: row.size))
        }
        var variants: [String] = []
        for point in points where !variants.contains(point.row.variant) { variants.append(point.row.variant) }
        let series = variants.map { variant in
            SVGChart.Series(name: variant.isEmpty ? "runs" : variant, points: points.filter { $0.row.variant == variant }.map(\.point))
        }
        let panel = SVGChart.Panel(title: "\(sweep): AP_S against parameters", xLabel: "parameters", yLabel: "AP_S", series: series)
        return SVGChart(panels: [panel]).svg
    }
}
