import Foundation
import Support

/// YOLOv5's labels.jpg: instances per class (bars, named when there are fewer than 30 classes) and the boxes'
/// centres (x against y) and sizes (width against height), relative to their images.
public enum LabelsChart {
    public static func svg(_ labels: (images: Int, classCounts: [Int], boxes: [(cx: Double, cy: Double, w: Double, h: Double)]),
                           classNames: [String]?) -> String {
        let panel = 360.0, gap = 70.0, top = 50.0, left = 60.0
        let width = left + 3 * panel + 2 * gap + 20, height = top + panel + 140
        var out = [String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"11\">", width, height),
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   String(format: "<text x=\"%.0f\" y=\"24\" font-size=\"15\" text-anchor=\"middle\">Labels of the %d training images (%d instances)</text>",
                          width / 2, labels.images, labels.classCounts.reduce(0, +))]
        // Bars.
        let counts = labels.classCounts, most = max(counts.max() ?? 1, 1)
        let barWidth = panel / Double(max(counts.count, 1))
        out.append(frame(left, top, panel, "instances", "classes"))
        for (index, count) in counts.enumerated() {
            let barHeight = panel * Double(count) / Double(most)
            let x = left + Double(index) * barWidth
            out.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>",
                              x + barWidth * 0.1, top + panel - barHeight, barWidth * 0.8, barHeight, colour(index)))
            if counts.count < 30 {
                let name = classNames.flatMap { $0.indices.contains(index) ? $0[index] : nil } ?? String(index)
                out.append(String(format: "<text transform=\"translate(%.1f %.1f) rotate(90)\">%@</text>", x + barWidth / 2 - 4, top + panel + 6, SVGChart.escape(name)))
            }
        }
        out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%d</text>", left - 4, top + 10, most))
        // Scatters.
        for (position, (xLabel, yLabel)) in [("x", "y"), ("width", "height")].enumerated() {
            let x0 = left + Double(position + 1) * (panel + gap)
            out.append(frame(x0, top, panel, yLabel, xLabel))
            for box in labels.boxes {
                let (x, y) = position == 0 ? (box.cx, box.cy) : (box.w, box.h)
                out.append(String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\" fill=\"#1f77b4\" fill-opacity=\"0.25\"/>",
                                  x0 + min(max(x, 0), 1) * panel, top + panel - min(max(y, 0), 1) * panel))
            }
            for tick in [0.0, 0.5, 1.0] {
                out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.1f</text>", x0 + tick * panel, top + panel + 14, tick))
                out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>", x0 - 4, top + panel - tick * panel + 4, tick))
            }
        }
        return (out + ["</svg>"]).joined(separator: "\n")
    }

    /// A panel's frame and axis titles.
    private static func frame(_ x: Double, _ y: Double, _ size: Double, _ yLabel: String, _ xLabel: String) -> String {
        String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888\"/>", x, y, size, size)
            + String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>", x + size / 2, y + size + (xLabel == "classes" ? 100 : 32), xLabel)
            + String(format: "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\">%@</text>", x - 30, y + size / 2, yLabel)
    }

    private static func colour(_ index: Int) -> String { SVGChart.colors[index % SVGChart.colors.count] }
}
