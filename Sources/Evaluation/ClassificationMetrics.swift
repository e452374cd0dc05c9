/// Top-1 and top-5 accuracy, per-class accuracy and the confusion matrix of a classifier, accumulated batch by batch.
public struct ClassificationMetrics: Sendable, Equatable {
    public let classCount: Int
    /// Samples of true class `t` predicted (top-1) as class `p`, at `t * classCount + p`.
    public private(set) var confusion: [Int]
    public private(set) var sampleCount = 0
    /// Samples whose true class is among the 5 highest logits (all of them when there are at most 5 classes).
    public private(set) var top5Correct = 0

    /// Metrics over no samples yet.
    public init(classCount: Int) {
        precondition(classCount > 0, "a classifier has at least one class")
        self.classCount = classCount
        confusion = [Int](repeating: 0, count: classCount * classCount)
    }

    /// Metrics of one set of `logits` (row-major [N, classCount]) and `labels` (N class indices).
    public init(logits: [Float], labels: [Int], classCount: Int) throws(ClassificationInputError) {
        self.init(classCount: classCount)
        try add(logits: logits, labels: labels)
    }

    /// Adds a batch. A class's rank is the number of classes with a higher logit plus those with an equal logit and
    /// a lower index (a stable descending sort), so the top-1 prediction is the first highest logit.
    public mutating func add(logits: [Float], labels: [Int]) throws(ClassificationInputError) {
        guard logits.count == labels.count * classCount else {
            throw .shapeMismatch(logitCount: logits.count, labelCount: labels.count, classCount: classCount)
        }
        if let bad = labels.firstIndex(where: { !(0..<classCount).contains($0) }) {
            throw .labelOutOfRange(sample: bad, label: labels[bad], classCount: classCount)
        }
        for (sample, label) in labels.enumerated() {
            let row = logits[sample * classCount..<(sample + 1) * classCount]
            let target = row[row.startIndex + label]
            var rank = 0, predicted = row.startIndex
            for index in row.indices {
                if row[index] > target || (row[index] == target && index - row.startIndex < label) { rank += 1 }
                if row[index] > row[predicted] { predicted = index }
            }
            confusion[label * classCount + predicted - row.startIndex] += 1
            if rank < 5 { top5Correct += 1 }
        }
        sampleCount += labels.count
    }

    /// Samples whose top-1 prediction is their true class.
    public var top1Correct: Int { (0..<classCount).reduce(0) { $0 + confusion[$1 * classCount + $1] } }

    /// Fraction of samples predicted correctly; 0 with no samples.
    public var top1Accuracy: Double { sampleCount == 0 ? 0 : Double(top1Correct) / Double(sampleCount) }

    /// Fraction of samples whose true class is among the 5 highest logits; 0 with no samples.
    public var top5Accuracy: Double { sampleCount == 0 ? 0 : Double(top5Correct) / Double(sampleCount) }

    /// Per true class, the fraction of its samples predicted correctly; nil for a class without samples.
    public var perClassAccuracy: [Double?] {
        (0..<classCount).map { label in
            let row = confusion[label * classCount..<(label + 1) * classCount]
            let total = row.reduce(0, +)
            return total == 0 ? nil : Double(confusion[label * classCount + label]) / Double(total)
        }
    }
}

/// Logits and labels that do not fit together.
public enum ClassificationInputError: Error, Equatable, CustomStringConvertible {
    case shapeMismatch(logitCount: Int, labelCount: Int, classCount: Int)
    case labelOutOfRange(sample: Int, label: Int, classCount: Int)

    public var description: String {
        switch self {
        case let .shapeMismatch(logits, labels, classes):
            "\(logits) logits do not make \(labels) rows of \(classes) classes"
        case let .labelOutOfRange(sample, label, classes):
            "sample \(sample) has label \(label), outside 0..<\(classes)"
        }
    }
}
