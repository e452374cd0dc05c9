import Evaluation
import Foundation
import Support

/// YOLOv5's confusion_matrix.png: the column-normalised matrix as a blue heatmap (true classes across, predicted
/// down, background last), values written in the cells when there are fewer than 30 classes and left blank below 0.005.
extension DetectionConfusionMatrix {
    public func chartSVG(names: [String]?) -> String {
        let size = classCount + 1
        let cell = max(min(60.0, 720.0 / Double(size)), 4), left = 160.0, top = 40.0, bottom = 160.0
        let width = left + cell * Double(size) + 20, height = top + cell * Double(size) + bottom
        let named = names.flatMap { $0.count == classCount ? $0 : nil }
        let across = (named ?? (0..<classCount).map(String.init)) + ["background FP"]
        let down = (named ?? (0..<classCount).map(String.init)) + ["background FN"]
        let values = columnNormalized
        let fontSize = min(12.0, max(cell / 3, 5))
        var out = [String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"DejaVu Sans, sans-serif\">", width, height),
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"]
        for row in 0..<size {
            for column in 0..<size {
                let value = values[row * size + column]
                guard value >= 0.005 else { continue }
                let x = left + Double(column) * cell, y = top + Double(row) * cell
                out.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>", x, y, cell, cell, Self.blue(value)))
                if classCount < 30 {
                    out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" text-anchor=\"middle\" fill=\"%@\">%.2f</text>",
                                      x + cell / 2, y + cell / 2 + fontSize / 3, fontSize, value > 0.5 ? "white" : "black", value))
                }
            }
        }
        out.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888\"/>", left, top, cell * Double(size), cell * Double(size)))
        for (index, name) in across.enumerated() {
            let x = left + (Double(index) + 0.5) * cell, y = top + cell * Double(size) + 6
            out.append(String(format: "<text transform=\"translate(%.1f %.1f) rotate(90)\" font-size=\"%.1f\">%@</text>", x - fontSize / 3, y, fontSize, SVGChart.escape(name)))
        }
        for (index, name) in down.enumerated() {
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" text-anchor=\"end\">%@</text>",
                              left - 6, top + (Double(index) + 0.5) * cell + fontSize / 3, fontSize, SVGChart.escape(name)))
        }
        out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" text-anchor=\"middle\">True</text>", left + cell * Double(size) / 2, height - 8))
        out.append(String(format: "<text transform=\"translate(16 %.1f) rotate(-90)\" font-size=\"14\" text-anchor=\"middle\">Predicted</text>", top + cell * Double(size) / 2))
        out.append(String(format: "<text x=\"%.1f\" y=\"24\" font-size=\"15\" text-anchor=\"middle\">Confusion matrix (normalised by true class)</text>", width / 2))
        return (out + ["</svg>"]).joined(separator: "\n")
    }

    /// Matplotlib's "Blues" at `value` in [0, 1], by its five anchor colours.
    static func blue(_ value: Double) -> String {
        let stops: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]
        let position = min(max(value, 0), 1) * Double(stops.count - 1)
        let low = min(Int(position), stops.count - 2), t = position - Double(low)
        let (a, b) = (stops[low], stops[low + 1])
        return String(format: "rgb(%.0f,%.0f,%.0f)", a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, a.2 + (b.2 - a.2) * t)
    }
}
