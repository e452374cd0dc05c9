/// YOLOv5 v6.0 val.py's per-class statistics beside the COCO ones: each image's predictions matched to its labels
/// (`process_batch`), then precision, recall and AP per class (`ap_per_class`), P and R taken at the confidence where
/// the classes' mean F1 is highest. These are the P, R columns of YOLOv5's results.csv and its per-class table.
public struct ClassMetricsAccumulator: Sendable {
    /// The 10 IoU thresholds 0.5, 0.55, ..., 0.95.
    public static let iouThresholds: [Double] = (0..<10).map { 0.5 + 0.05 * Double($0) }

    /// One box of an image: class, corners in pixels, and (for a prediction) its confidence.
    public struct Box: Sendable {
        public var classIndex: Int
        public var x1: Double, y1: Double, x2: Double, y2: Double
        public var confidence: Double

        public init(classIndex: Int, x1: Double, y1: Double, x2: Double, y2: Double, confidence: Double = 1) {
            self.classIndex = classIndex
            self.x1 = x1
            self.y1 = y1
            self.x2 = x2
            self.y2 = y2
            self.confidence = confidence
        }
    }

    /// Per prediction: whether it is a true positive at each threshold, its confidence and class.
    private var correct: [[Bool]] = []
    private var confidences: [Double] = []
    private var predictedClasses: [Int] = []
    private var labelClasses: [Int] = []
    public private(set) var images = 0

    public init() {}

    /// Adds one image: `predictions` in NMS output order (descending confidence), `labels` its ground truth.
    /// A prediction matches a label of its class with IoU >= 0.5; each prediction keeps its best-IoU label, then each
    /// label keeps its earliest prediction (val.py's order of `np.unique` calls), and the match counts as correct at
    /// every threshold its IoU reaches.
    public mutating func addImage(labels: [Box], predictions: [Box]) {
        images += 1
        labelClasses += labels.map(\.classIndex)
        var matches: [(label: Int, prediction: Int, iou: Double)] = []
        for (l, label) in labels.enumerated() {
            for (p, prediction) in predictions.enumerated() where prediction.classIndex == label.classIndex {
                let overlap = Self.iou(label, prediction)
                if overlap >= Self.iouThresholds[0] { matches.append((l, p, overlap)) }
            }
        }
        matches.sort { $0.iou > $1.iou }
        var bestPerPrediction: [Int: (label: Int, prediction: Int, iou: Double)] = [:]
        for match in matches where bestPerPrediction[match.prediction] == nil { bestPerPrediction[match.prediction] = match }
        var perLabel: [Int: (label: Int, prediction: Int, iou: Double)] = [:]
        for match in bestPerPrediction.values.sorted(by: { $0.prediction < $1.prediction }) where perLabel[match.label] == nil {
            perLabel[match.label] = match
        }
        var rows = [[Bool]](repeating: [Bool](repeating: false, count: Self.iouThresholds.count), count: predictions.count)
        for match in perLabel.values { rows[match.prediction] = Self.iouThresholds.map { match.iou >= $0 } }
        correct += rows
        confidences += predictions.map(\.confidence)
        predictedClasses += predictions.map(\.classIndex)
    }

    /// The statistics of every image added so far, per class that has labels (predictions of other classes count for
    /// nothing, as in val.py).
    public func result() -> ClassMetrics {
        let order = confidences.indices.sorted { confidences[$0] > confidences[$1] }
        let classes = Array(Set(labelClasses)).sorted()
        let grid = ClassMetrics.confidenceGrid
        var perClass: [ClassMetrics.Class] = []
        for c in classes {
            let mine = order.filter { predictedClasses[$0] == c }
            let labelCount = labelClasses.filter { $0 == c }.count
            var row = ClassMetrics.Class(classIndex: c, labels: labelCount, predictions: mine.count)
            if !mine.isEmpty {
                let descending = mine.map { -confidences[$0] }  // increasing, for interpolation
                var ap = [Double](repeating: 0, count: Self.iouThresholds.count)
                for t in Self.iouThresholds.indices {
                    var truePositives = 0.0, falsePositives = 0.0
                    var recall: [Double] = [], precision: [Double] = []
                    for index in mine {
                        if correct[index][t] { truePositives += 1 } else { falsePositives += 1 }
                        recall.append(truePositives / (Double(labelCount) + 1e-16))
                        precision.append(truePositives / (truePositives + falsePositives))
                    }
                    let (area, envelopeRecall, envelopePrecision) = Self.averagePrecision(recall: recall, precision: precision)
                    ap[t] = area
                    if t == 0 {
                        row.precisionCurve = grid.map { Self.interpolate(-$0, descending, precision, left: 1) }
                        row.recallCurve = grid.map { Self.interpolate(-$0, descending, recall, left: 0) }
                        row.precisionAtRecall = grid.map { Self.interpolate($0, envelopeRecall, envelopePrecision) }
                    }
                }
                row.ap50 = ap[0]
                row.ap = ap.reduce(0, +) / Double(ap.count)
            }
            perClass.append(row)
        }
        return ClassMetrics(classes: perClass, images: images)
    }

    /// IoU of two corner boxes (torchvision's box_iou: no +1).
    static func iou(_ a: Box, _ b: Box) -> Double {
        let width = max(0, min(a.x2, b.x2) - max(a.x1, b.x1)), height = max(0, min(a.y2, b.y2) - max(a.y1, b.y1))
        let intersection = width * height
        let union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - intersection
        return union > 0 ? intersection / union : 0
    }

    /// val.py's `compute_ap`: sentinels (recall 0 and 1, precision 1 and 0), the precision envelope, and the area
    /// under it by trapezoids over 101 recall points. Returns the area and the envelope (recall, precision).
    static func averagePrecision(recall: [Double], precision: [Double]) -> (Double, [Double], [Double]) {
        let envelopeRecall = [0] + recall + [1]
        var envelopePrecision = [1] + precision + [0]
        for i in stride(from: envelopePrecision.count - 2, through: 0, by: -1) {
            envelopePrecision[i] = max(envelopePrecision[i], envelopePrecision[i + 1])
        }
        let x = linspace(101)
        let y = x.map { interpolate($0, envelopeRecall, envelopePrecision) }
        var area = 0.0
        for i in 0..<(x.count - 1) { area += (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2 }
        return (area, envelopeRecall, envelopePrecision)
    }

    /// NumPy's `interp` for increasing `xp` (repeats allowed): `left` below the first point, the last value from the
    /// last point on, linear in between.
    static func interpolate(_ x: Double, _ xp: [Double], _ fp: [Double], left: Double? = nil) -> Double {
        guard let first = xp.first, let last = xp.last else { return .nan }
        if x < first { return left ?? fp[0] }
        if x >= last { return fp[fp.count - 1] }
        var low = 0, high = xp.count - 1  // xp[low] <= x < xp[high]
        while high - low > 1 {
            let middle = (low + high) / 2
            if xp[middle] <= x { low = middle } else { high = middle }
        }
        return fp[low] + (fp[high] - fp[low]) / (xp[high] - xp[low]) * (x - xp[low])
    }

    /// NumPy's `linspace(0, 1, count)`.
    static func linspace(_ count: Int) -> [Double] {
        let step = 1 / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? 1 : Double($0) * step }
    }
}

/// Precision, recall and AP per class, as YOLOv5's val.py reports them.
public struct ClassMetrics: Sendable {
    /// The 1000 confidences of the P, R and F1 curves (0 to 1).
    public static let confidenceGrid = ClassMetricsAccumulator.linspace(1000)

    /// One class with labels.
    public struct Class: Sendable {
        public var classIndex: Int
        public var labels: Int
        public var predictions: Int
        public var ap50 = 0.0
        /// AP averaged over IoU 0.5:0.95.
        public var ap = 0.0
        /// Precision and recall against `confidenceGrid` (zeros for a class with no predictions).
        public var precisionCurve = [Double](repeating: 0, count: 1000)
        public var recallCurve = [Double](repeating: 0, count: 1000)
        /// The precision envelope at IoU 0.5 against recall on the same grid (the PR curve).
        public var precisionAtRecall = [Double](repeating: 0, count: 1000)

        /// F1 against `confidenceGrid`.
        public var f1Curve: [Double] { zip(precisionCurve, recallCurve).map { 2 * $0 * $1 / ($0 + $1 + 1e-16) } }
    }

    public var classes: [Class]
    public var images: Int

    /// Where the classes' mean F1 is highest (its index in `confidenceGrid`; 0 when there are no classes).
    public var bestF1Index: Int {
        guard !classes.isEmpty else { return 0 }
        let curves = classes.map(\.f1Curve)
        let mean = (0..<1000).map { i in curves.reduce(0) { $0 + $1[i] } / Double(curves.count) }
        return mean.indices.max { mean[$0] < mean[$1] }!  // the first of equal maxima, as argmax
    }

    /// Per class: precision and recall at the best mean-F1 confidence.
    public var precision: [Double] { let i = bestF1Index; return classes.map { $0.precisionCurve[i] } }
    public var recall: [Double] { let i = bestF1Index; return classes.map { $0.recallCurve[i] } }

    /// The means over the classes: P, R, mAP@0.5, mAP@0.5:0.95 (val.py's `mp, mr, map50, map`).
    public var meanPrecision: Double { mean(precision) }
    public var meanRecall: Double { mean(recall) }
    public var map50: Double { mean(classes.map(\.ap50)) }
    public var map: Double { mean(classes.map(\.ap)) }

    private func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    /// val.py's table: a header, the `all` row, then one row per class (named by `names` when given).
    public func table(names: [String]? = nil) -> [String] {
        func row(_ name: String, _ labels: Int, _ p: Double, _ r: Double, _ ap50: Double, _ ap: Double) -> String {
            name.leftPadded(20) + String(images).leftPadded(11) + String(labels).leftPadded(11)
                + [p, r, ap50, ap].map { String(format: "%11.3g", $0) }.joined()
        }
        let header = "Class".leftPadded(20) + ["Images", "Labels", "P", "R", "mAP@.5", "mAP@.5:.95"].map { $0.leftPadded(11) }.joined()
        let precision = precision, recall = recall
        return [header, row("all", classes.reduce(0) { $0 + $1.labels }, meanPrecision, meanRecall, map50, map)]
            + classes.indices.map { i in
                let c = classes[i]
                let name = names.flatMap { $0.indices.contains(c.classIndex) ? $0[c.classIndex] : nil } ?? "class\(c.classIndex)"
                return row(name, c.labels, precision[i], recall[i], c.ap50, c.ap)
            }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
