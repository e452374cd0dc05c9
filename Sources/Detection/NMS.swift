/// Settings of `nonMaxSuppression`, with YOLOv5 v6.0's defaults (`val.py` uses confidence 0.001,
/// IoU 0.6 and `multiLabel: true`).
public struct NMSOptions: Sendable {
    /// Minimum objectness, then minimum class score x objectness, for a candidate (strictly greater).
    public var confidenceThreshold: Float = 0.25
    /// Boxes overlapping a higher-scoring kept box of the same class by more than this are dropped.
    public var iouThreshold: Float = 0.45
    /// Every class scoring above the threshold gives a candidate (otherwise only the best class).
    public var multiLabel = false
    /// Classes suppress each other too.
    public var classAgnostic = false
    /// Only these classes are kept, when given.
    public var classes: Set<Int>?
    /// At most this many boxes per image.
    public var maxDetections = 300
    /// At most this many highest-scoring candidates enter NMS (`max_nms`).
    public var maxCandidates = 30000
    /// Per-class box offset that keeps classes apart (`max_wh`); coordinates must stay below it.
    public var classOffset: Float = 4096

    public init() {}
}

/// YOLOv5 v6.0 `non_max_suppression` on decoded predictions laid out [batch][prediction][5 + classCount]:
/// centre x, centre y, width, height (pixels), objectness, class scores. Returns each image's boxes,
/// highest score first.
public func nonMaxSuppression(_ predictions: UnsafeBufferPointer<Float>, batchSize: Int, classCount: Int,
                              options: NMSOptions = NMSOptions()) -> [[DetectionBox]] {
    let stride = 5 + classCount
    precondition(batchSize > 0 && classCount > 0 && predictions.count % (batchSize * stride) == 0,
                 "\(predictions.count) values are not \(batchSize) images of [predictions][\(stride)]")
    let perImage = predictions.count / batchSize / stride
    return (0..<batchSize).map { image in
        let rows = UnsafeBufferPointer(rebasing: predictions[(image * perImage * stride)..<((image + 1) * perImage * stride)])
        var candidates = nmsCandidates(rows, stride: stride, options: options)
        // Stable descending sort: equal scores keep prediction order.
        candidates = candidates.enumerated()
            .sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }
            .prefix(options.maxCandidates).map(\.element)
        return greedySuppression(candidates, options: options)
    }
}

/// `nonMaxSuppression` over an array.
public func nonMaxSuppression(_ predictions: [Float], batchSize: Int, classCount: Int,
                              options: NMSOptions = NMSOptions()) -> [[DetectionBox]] {
    predictions.withUnsafeBufferPointer {
        nonMaxSuppression($0, batchSize: batchSize, classCount: classCount, options: options)
    }
}

/// The candidate boxes of one image, in prediction order (class order within a prediction).
private func nmsCandidates(_ rows: UnsafeBufferPointer<Float>, stride: Int, options: NMSOptions) -> [DetectionBox] {
    let classCount = stride - 5
    let threshold = options.confidenceThreshold
    let multiLabel = options.multiLabel && classCount > 1
    var candidates: [DetectionBox] = []
    for start in Swift.stride(from: 0, to: rows.count, by: stride) {
        let objectness = rows[start + 4]
        guard objectness > threshold else { continue }
        let halfWidth = rows[start + 2] / 2, halfHeight = rows[start + 3] / 2
        func box(_ classIndex: Int, _ score: Float) -> DetectionBox {
            DetectionBox(x1: rows[start] - halfWidth, y1: rows[start + 1] - halfHeight,
                         x2: rows[start] + halfWidth, y2: rows[start + 1] + halfHeight, score: score, classIndex: classIndex)
        }
        if multiLabel {
            for classIndex in 0..<classCount {
                let score = rows[start + 5 + classIndex] * objectness
                if score > threshold { candidates.append(box(classIndex, score)) }
            }
        } else {
            var best = 0, bestScore = rows[start + 5] * objectness
            for classIndex in 1..<classCount where rows[start + 5 + classIndex] * objectness > bestScore {
                best = classIndex
                bestScore = rows[start + 5 + classIndex] * objectness
            }
            if bestScore > threshold { candidates.append(box(best, bestScore)) }
        }
    }
    if let classes = options.classes { candidates.removeAll { !classes.contains($0.classIndex) } }
    return candidates
}

/// Greedy NMS over `candidates` sorted by score, as torchvision.ops.nms on boxes shifted by
/// class x `classOffset` (so different classes never overlap unless class-agnostic).
private func greedySuppression(_ candidates: [DetectionBox], options: NMSOptions) -> [DetectionBox] {
    let shifted = candidates.map { box in
        let offset = options.classAgnostic ? 0 : Float(box.classIndex) * options.classOffset
        return DetectionBox(x1: box.x1 + offset, y1: box.y1 + offset, x2: box.x2 + offset, y2: box.y2 + offset,
                            score: box.score, classIndex: box.classIndex)
    }
    var suppressed = [Bool](repeating: false, count: candidates.count)
    var kept: [DetectionBox] = []
    for i in candidates.indices where !suppressed[i] {
        kept.append(candidates[i])
        // Later boxes cannot change the first maxDetections kept ones.
        if kept.count == options.maxDetections { break }
        for j in (i + 1)..<candidates.count where !suppressed[j] {
            if shifted[i].intersectionOverUnion(shifted[j]) > options.iouThreshold { suppressed[j] = true }
        }
    }
    return kept
}
