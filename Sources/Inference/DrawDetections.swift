import Detection
import Foundation
import Imaging

extension Image {
    /// Draws `boxes` as YOLOv5's annotator does: outline and "name score" label in the class colour, the line
    /// width scaled with the image (`max(round((width + height) / 2 * 0.003), 2)`), the best box drawn last (on top).
    public mutating func drawDetections(_ boxes: [DetectionBox], classNames: [String]) {
        let lineWidth = max(Int((Double(width + height) / 2 * 0.003).rounded()), 2)
        for box in boxes.reversed() {
            let name = classNames.indices.contains(box.classIndex) ? classNames[box.classIndex] : "class\(box.classIndex)"
            drawLabeledBox(x0: Int(box.x1), y0: Int(box.y1), x1: Int(box.x2), y1: Int(box.y2),
                           label: "\(name) \(String(format: "%.2f", box.score))", color: .forClass(box.classIndex),
                           lineWidth: lineWidth, fontScale: lineWidth)
        }
    }
}
