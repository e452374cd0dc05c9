import Foundation

/// The report's SVG: AP_S against parameters, one line per variant through its sizes, with the seed spread as
/// error bars.
extension Report {
    public var plotSVG: String {
        let width = 640.0, height = 420.0, left = 70.0, right = 130.0, top = 40.0, bottom = 50.0
        let points = rows.compactMap { row -> (row: Row, x: Double, y: Spread)? in
            guard let parameters = row.parameters, let ap = row.values["AP_S"] else { return nil }
            return (row, Double(parameters), ap)
        }
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(Self.escape(sweep)): AP_S against parameters</text>"]
        guard !points.isEmpty else { return (svg + ["<text x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\">no finished runs</text>", "</svg>"]).joined(separator: "\n") + "\n" }
        func range(_ values: [Double]) -> (Double, Double) {
            let low = values.min()!, high = values.max()!
            let pad = high > low ? (high - low) * 0.08 : max(abs(high) * 0.1, 1e-3)
            return (low - pad, high + pad)
        }
        let (x0, x1) = range(points.map(\.x))
        let (y0, y1) = range(points.flatMap { [$0.y.mean - $0.y.deviation, $0.y.mean + $0.y.deviation] })
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (y - y0) / (y1 - y0) * plotHeight }
        svg.append("<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"black\"/>")
        for i in 0...4 {
            let x = x0 + (x1 - x0) * Double(i) / 4, y = y0 + (y1 - y0) * Double(i) / 4
            svg.append("<text x=\"\(px(x))\" y=\"\(top + plotHeight + 18)\" text-anchor=\"middle\">\(Self.compact(x))</text>")
            svg.append("<text x=\"\(left - 6)\" y=\"\(py(y) + 4)\" text-anchor=\"end\">\(String(format: "%.3f", y))</text>")
        }
        svg.append("<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">parameters</text>")
        svg.append("<text x=\"18\" y=\"\(top + plotHeight / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(top + plotHeight / 2))\">AP_S</text>")
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
        var variants: [String] = []
        for point in points where !variants.contains(point.row.variant) { variants.append(point.row.variant) }
        for (index, variant) in variants.enumerated() {
            let color = colors[index % colors.count]
            let series = points.filter { $0.row.variant == variant }.sorted { $0.x < $1.x }
            svg.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"" + series.map { "\(px($0.x)),\(py($0.y.mean))" }.joined(separator: " ") + "\"/>")
            for point in series {
                let x = px(point.x)
                svg.append("<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(py(point.y.mean - point.y.deviation))\" y2=\"\(py(point.y.mean + point.y.deviation))\" stroke=\"\(color)\"/>")
                svg.append("<circle cx=\"\(x)\" cy=\"\(py(point.y.mean))\" r=\"4\" fill=\"\(color)\"/>")
                svg.append("<text x=\"\(x + 6)\" y=\"\(py(point.y.mean) - 6)\" fill=\"\(color)\">\(Self.escape(point.row.size))</text>")
            }
            let legendY = top + 16 + Double(index) * 18
            svg.append("<rect x=\"\(width - right + 12)\" y=\"\(legendY - 9)\" width=\"12\" height=\"12\" fill=\"\(color)\"/>")
            svg.append("<text x=\"\(width - right + 30)\" y=\"\(legendY + 1)\">\(Self.escape(variant.isEmpty ? "runs" : variant))</text>")
        }
        return (svg + ["</svg>"]).joined(separator: "\n") + "\n"
    }

    private static func compact(_ value: Double) -> String {
        abs(value) >= 1e6 ? String(format: "%.1fM", value / 1e6) : abs(value) >= 1e3 ? String(format: "%.0fk", value / 1e3) : String(format: "%.0f", value)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
