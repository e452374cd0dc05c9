import Foundation
import RunFormat

/// plots/results.svg: one small line chart per results.csv column (losses, metrics, learning rate) over epochs.
public enum ResultsPlot {
    public static func svg(_ rows: [EpochResult], lossNames: [String], metricNames: [String]) -> String {
        var series: [(String, [Double])] = []
        for (i, name) in lossNames.enumerated() { series.append(("train/\(name)", rows.map { $0.trainLosses[i] })) }
        for (i, name) in lossNames.enumerated() { series.append(("val/\(name)", rows.map { $0.validationLosses.indices.contains(i) ? $0.validationLosses[i] : .nan })) }
        for (i, name) in metricNames.enumerated() { series.append(("metrics/\(name)", rows.map { $0.metrics.indices.contains(i) ? $0.metrics[i] : .nan })) }
        series.append(("x/lr1", rows.map { $0.learningRates.count > 1 ? $0.learningRates[1] : .nan }))
        let columns = 4, width = 260.0, height = 170.0
        let chartRows = (series.count + columns - 1) / columns
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Double(columns) * width))\" height=\"\(Int(Double(chartRows) * height))\" "
            + "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        let epochs = rows.map { Double($0.epoch) }
        for (index, (name, values)) in series.enumerated() {
            let x0 = Double(index % columns) * width, y0 = Double(index / columns) * height
            let left = x0 + 45, right = x0 + width - 10, top = y0 + 20, bottom = y0 + height - 25
            svg += "<text x=\"\(x0 + width / 2)\" y=\"\(y0 + 14)\" text-anchor=\"middle\">\(name)</text>\n"
            svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(right - left)\" height=\"\(bottom - top)\" fill=\"none\" stroke=\"#999\"/>\n"
            let points = zip(epochs, values).filter { $0.1.isFinite }
            guard let low = points.map(\.1).min(), let high = points.map(\.1).max(), let first = epochs.first, let last = epochs.last else { continue }
            let span = high > low ? high - low : 1, epochSpan = last > first ? last - first : 1
            func px(_ e: Double) -> Double { left + (e - first) / epochSpan * (right - left) }
            func py(_ v: Double) -> Double { bottom - (v - low) / span * (bottom - top) }
            let path = points.map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(path)\"/>\n"
            for point in points { svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#1f77b4\"/>\n", px(point.0), py(point.1)) }
            svg += "<text x=\"\(left - 3)\" y=\"\(top + 8)\" text-anchor=\"end\">\(String(format: "%.3g", high))</text>\n"
            svg += "<text x=\"\(left - 3)\" y=\"\(bottom)\" text-anchor=\"end\">\(String(format: "%.3g", low))</text>\n"
            svg += "<text x=\"\(left)\" y=\"\(bottom + 14)\">\(Int(first))</text><text x=\"\(right)\" y=\"\(bottom + 14)\" text-anchor=\"end\">epoch \(Int(last))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
