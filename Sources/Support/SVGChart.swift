import Foundation

/// The one chart writer of the project (plots/results.svg, the coordinator's sweep report, `spd plot`): line charts
/// in a grid of panels, written as standalone SVG. Points that are not finite are left out of their line.
public struct SVGChart: Sendable {
    /// One point of a series; `spread` draws an error bar of ± spread, `label` a text beside the point.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public var spread: Double?
        public var label: String?

        public init(x: Double, y: Double, spread: Double? = nil, label: String? = nil) {
            self.x = x
            self.y = y
            self.spread = spread
            self.label = label
        }
    }

    /// A line through points in order of x.
    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        public var dashed: Bool

        public init(name: String, points: [Point], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }
    }

    /// One set of axes. A legend is drawn when the panel has more than one series.
    public struct Panel: Sendable {
        public var title: String
        public var xLabel: String
        public var yLabel: String
        public var series: [Series]

        public init(title: String, xLabel: String = "", yLabel: String = "", series: [Series]) {
            self.title = title
            self.xLabel = xLabel
            self.yLabel = yLabel
            self.series = series
        }
    }

    public var title: String?
    public var panels: [Panel]
    public var columns: Int
    public var panelWidth: Double
    public var panelHeight: Double

    public init(title: String? = nil, panels: [Panel], columns: Int = 1, panelWidth: Double = 640, panelHeight: Double = 420) {
        self.title = title
        self.panels = panels
        self.columns = max(columns, 1)
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
    }

    public static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"]

    /// The whole document.
    public var svg: String {
        let titleHeight = title == nil ? 0.0 : 28.0
        let rows = max((panels.count + columns - 1) / columns, 1)
        let width = Double(min(columns, max(panels.count, 1))) * panelWidth, height = titleHeight + Double(rows) * panelHeight
        var out = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"]
        if let title { out.append("<text x=\"\(width / 2)\" y=\"19\" text-anchor=\"middle\" font-size=\"14\">\(Self.escape(title))</text>") }
        for (index, panel) in panels.enumerated() {
            let x0 = Double(index % columns) * panelWidth, y0 = titleHeight + Double(index / columns) * panelHeight
            out += draw(panel, x0: x0, y0: y0)
        }
        return (out + ["</svg>"]).joined(separator: "\n") + "\n"
    }

    private func draw(_ panel: Panel, x0: Double, y0: Double) -> [String] {
        let legendWidth = panel.series.count > 1 ? min(150.0, panelWidth * 0.3) : 0
        let left = x0 + 58, right = x0 + panelWidth - 12 - legendWidth, top = y0 + 24, bottom = y0 + panelHeight - (panel.xLabel.isEmpty ? 24 : 38)
        var out = ["<text x=\"\((left + right) / 2)\" y=\"\(y0 + 16)\" text-anchor=\"middle\" font-size=\"12\">\(Self.escape(panel.title))</text>",
                   "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(right - left)\" height=\"\(bottom - top)\" fill=\"none\" stroke=\"#999\"/>"]
        if !panel.xLabel.isEmpty {
            out.append("<text x=\"\((left + right) / 2)\" y=\"\(bottom + 32)\" text-anchor=\"middle\">\(Self.escape(panel.xLabel))</text>")
        }
        if !panel.yLabel.isEmpty {
            let middle = (top + bottom) / 2
            out.append("<text x=\"\(x0 + 12)\" y=\"\(middle)\" text-anchor=\"middle\" transform=\"rotate(-90 \(x0 + 12) \(middle))\">\(Self.escape(panel.yLabel))</text>")
        }
        let points = panel.series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        guard !points.isEmpty else {
            return out + ["<text x=\"\((left + right) / 2)\" y=\"\((top + bottom) / 2)\" text-anchor=\"middle\">no data</text>"]
        }
        let (xLow, xHigh) = Self.range(points.map(\.x))
        let (yLow, yHigh) = Self.range(points.flatMap { [$0.y - ($0.spread ?? 0), $0.y + ($0.spread ?? 0)] })
        func px(_ x: Double) -> Double { left + (x - xLow) / (xHigh - xLow) * (right - left) }
        func py(_ y: Double) -> Double { bottom - (y - yLow) / (yHigh - yLow) * (bottom - top) }
        for i in 0...4 {
            let x = xLow + (xHigh - xLow) * Double(i) / 4, y = yLow + (yHigh - yLow) * Double(i) / 4
            out.append("<text x=\"\(Self.format(px(x)))\" y=\"\(Self.format(bottom + 14))\" text-anchor=\"middle\">\(Self.tick(x))</text>")
            out.append("<text x=\"\(Self.format(left - 4))\" y=\"\(Self.format(py(y) + 4))\" text-anchor=\"end\">\(Self.tick(y))</text>")
        }
        for (index, series) in panel.series.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            let visible = series.points.filter { $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
            let dash = series.dashed ? " stroke-dasharray=\"5 3\"" : ""
            if visible.count > 1 {
                let path = visible.map { "\(Self.format(px($0.x))),\(Self.format(py($0.y)))" }.joined(separator: " ")
                out.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"\(dash) points=\"\(path)\"/>")
            }
            for point in visible {
                let x = Self.format(px(point.x)), y = Self.format(py(point.y))
                if let spread = point.spread, spread.isFinite, spread > 0 {
                    out.append("<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(Self.format(py(point.y - spread)))\" y2=\"\(Self.format(py(point.y + spread)))\" stroke=\"\(color)\"/>")
                }
                if !series.dashed { out.append("<circle cx=\"\(x)\" cy=\"\(y)\" r=\"2.5\" fill=\"\(color)\"/>") }
                if let label = point.label {
                    out.append("<text x=\"\(Self.format(px(point.x) + 5))\" y=\"\(Self.format(py(point.y) - 5))\" fill=\"\(color)\">\(Self.escape(label))</text>")
                }
            }
            if legendWidth > 0 {
                let y = top + 10 + Double(index) * 16
                out.append("<line x1=\"\(right + 8)\" x2=\"\(right + 24)\" y1=\"\(y - 4)\" y2=\"\(y - 4)\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>")
                out.append("<text x=\"\(right + 28)\" y=\"\(y)\">\(Self.escape(series.name))</text>")
            }
        }
        return out
    }

    /// The axis range of values, padded by 5% (or around a single value).
    static func range(_ values: [Double]) -> (Double, Double) {
        let low = values.min()!, high = values.max()!
        let pad = high > low ? (high - low) * 0.05 : max(abs(high) * 0.1, 1e-3)
        return (low - pad, high + pad)
    }

    /// A tick label: k and M for large magnitudes, whole numbers from 100, three significant digits below.
    static func tick(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return String(format: "%.3gM", value / 1e6) }
        if magnitude >= 1e4 { return String(format: "%.3gk", value / 1e3) }
        if magnitude >= 100 { return String(format: "%.0f", value) }
        return String(format: "%.3g", value)
    }

    static func format(_ coordinate: Double) -> String { String(format: "%.1f", coordinate) }

    /// Text with the characters that SVG reserves escaped.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
