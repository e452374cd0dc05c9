/// YOLOv5 v6.0's detection confusion matrix (val.py's `ConfusionMatrix(nc, conf=0.25, iou_thres=0.45)`), quirks
/// included so the pictures compare: predictions above `confidence` are matched to labels of any class with IoU above
/// `iou` (each prediction its best label, then each label its best prediction); a matched label counts at
/// (predicted class, true class), an unmatched one at (background, true class); a prediction matched to no label
/// counts at (predicted class, background), but only in an image where something matched. Images without labels
/// are not counted (val.py only calls it for them).
public struct DetectionConfusionMatrix: Sendable, Equatable {
    public let classCount: Int
    public let confidence: Double
    public let iou: Double
    /// Counts at [predicted * (classCount + 1) + true]; index `classCount` is the background.
    public private(set) var counts: [Int]

    public init(classCount: Int, confidence: Double = 0.25, iou: Double = 0.45) {
        self.classCount = classCount
        self.confidence = confidence
        self.iou = iou
        counts = [Int](repeating: 0, count: (classCount + 1) * (classCount + 1))
    }

    /// The count at (predicted, true); either may be `classCount`, the background.
    public func count(predicted: Int, true truth: Int) -> Int { counts[predicted * (classCount + 1) + truth] }

    public mutating func addImage(labels: [ClassMetricsAccumulator.Box], predictions: [ClassMetricsAccumulator.Box]) {
        guard !labels.isEmpty else { return }
        let kept = predictions.filter { $0.confidence > confidence }
        var matches: [(label: Int, prediction: Int, iou: Double)] = []
        for (l, label) in labels.enumerated() {
            for (p, prediction) in kept.enumerated() {
                let overlap = ClassMetricsAccumulator.iou(label, prediction)
                if overlap > iou { matches.append((l, p, overlap)) }
            }
        }
        // Best label per prediction, then best prediction per label (both by IoU).
        matches.sort { $0.iou > $1.iou }
        var perPrediction: [Int: (label: Int, prediction: Int, iou: Double)] = [:]
        for match in matches where perPrediction[match.prediction] == nil { perPrediction[match.prediction] = match }
        var perLabel: [Int: Int] = [:]
        for match in perPrediction.values.sorted(by: { $0.iou > $1.iou }) where perLabel[match.label] == nil { perLabel[match.label] = match.prediction }
        let background = classCount
        for (l, label) in labels.enumerated() {
            let predicted = perLabel[l].map { kept[$0].classIndex } ?? background
            counts[predicted * (classCount + 1) + label.classIndex] += 1
        }
        if !perLabel.isEmpty {
            let matched = Set(perLabel.values)
            for (p, prediction) in kept.enumerated() where !matched.contains(p) { counts[prediction.classIndex * (classCount + 1) + background] += 1 }
        }
    }

    /// The counts divided by their column (true class) sums, as YOLOv5 plots them.
    public var columnNormalized: [Double] {
        let size = classCount + 1
        let sums = (0..<size).map { column in (0..<size).reduce(0) { $0 + counts[$1 * size + column] } }
        return counts.indices.map { Double(counts[$0]) / (Double(sums[$0 % size]) + 1e-6) }
    }
}
