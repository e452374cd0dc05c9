import Evaluation
import Support

/// YOLOv5 val.py's curve plots of the per-class statistics: PR_curve (precision against recall at IoU 0.5) and
/// F1_curve (F1 against confidence), a line per class when there are at most 20, and the mean of all classes.
extension ClassMetrics {
    /// Precision against recall at IoU 0.5.
    public func precisionRecallChart(names: [String]?) -> SVGChart {
        let mean = String(format: "all %.3f mAP@.5", map50)
        return chart(title: "Precision-Recall", xLabel: "Recall", yLabel: "Precision", curve: \.precisionAtRecall, meanName: mean, names: names) {
            String(format: " %.3f", $0.ap50)
        }
    }

    /// F1 against confidence; the legend gives the mean's best F1 and its confidence.
    public func f1Chart(names: [String]?) -> SVGChart {
        let curves = classes.map(\.f1Curve), best = bestF1Index
        let bestF1 = curves.isEmpty ? 0 : curves.reduce(0) { $0 + $1[best] } / Double(curves.count)
        let mean = String(format: "all %.2f at %.3f", bestF1, ClassMetrics.confidenceGrid[best])
        return chart(title: "F1-Confidence", xLabel: "Confidence", yLabel: "F1", curve: \.f1Curve, meanName: mean, names: names) { _ in "" }
    }

    private func chart(title: String, xLabel: String, yLabel: String, curve: KeyPath<Class, [Double]>, meanName: String, names: [String]?,
                       suffix: (Class) -> String) -> SVGChart {
        // Every 10th of the 1000 grid points (and the last) is enough for a line.
        let grid = ClassMetrics.confidenceGrid, picks = Array(stride(from: 0, to: grid.count, by: 10)) + [grid.count - 1]
        func series(_ name: String, _ values: [Double]) -> SVGChart.Series {
            SVGChart.Series(name: name, points: picks.map { SVGChart.Point(x: grid[$0], y: values[$0]) })
        }
        var lines: [SVGChart.Series] = []
        if classes.count <= 20 {
            lines = classes.map { c in
                let name = names.flatMap { $0.indices.contains(c.classIndex) ? $0[c.classIndex] : nil } ?? "class\(c.classIndex)"
                return series(name + suffix(c), c[keyPath: curve])
            }
        }
        let curves = classes.map { $0[keyPath: curve] }
        let mean = (0..<grid.count).map { i in curves.isEmpty ? 0 : curves.reduce(0) { $0 + $1[i] } / Double(curves.count) }
        lines.append(series(meanName, mean))
        return SVGChart(panels: [SVGChart.Panel(title: title, xLabel: xLabel, yLabel: yLabel, series: lines)], panelWidth: 720, panelHeight: 540)
    }
}
