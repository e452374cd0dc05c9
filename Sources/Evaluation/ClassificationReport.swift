import Foundation

extension ClassificationMetrics {
    /// A text report: the accuracies, then the confusion matrix (rows: true class, columns: predicted class) with
    /// each class's accuracy at the end of its row. `classNames` default to the class indices.
    public func report(classNames: [String]? = nil) -> String {
        let names = classNames ?? (0..<classCount).map(String.init)
        precondition(names.count == classCount, "one name per class")
        let corner = "true \\ predicted"
        let nameWidth = max(corner.count, names.map(\.count).max() ?? 0)
        let countWidth = max(String(confusion.max() ?? 0).count, names.map(\.count).max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var lines = [String(format: "top-1 accuracy %.4f, top-5 accuracy %.4f (%d samples, %d classes)",
                            top1Accuracy, top5Accuracy, sampleCount, classCount)]
        lines.append(corner.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            + names.map { "  " + pad($0, countWidth) }.joined() + "  accuracy")
        for (label, accuracy) in perClassAccuracy.enumerated() {
            let counts = confusion[label * classCount..<(label + 1) * classCount].map { "  " + pad(String($0), countWidth) }
            lines.append(names[label].padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                + counts.joined() + "  " + pad(accuracy.map { String(format: "%.4f", $0) } ?? "-", 8))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
