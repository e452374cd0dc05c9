/// A ground-truth object of one category, placed by its image's position among the sorted image ids.
struct GroundTruthEntry {
    var imageIndex: Int
    var box: COCOBox
    var area: Double
    var isCrowd: Bool
    /// False for annotation id 0, which pycocotools cannot tell from "no match".
    var countsAsMatch: Bool
}

/// A detection of one category, placed by its image's position among the sorted image ids.
struct DetectionEntry {
    var imageIndex: Int
    var box: COCOBox
    var score: Double
}

/// What a detection is at one IoU threshold and area range once matching is done.
enum DetectionOutcome: UInt8 {
    case falsePositive, truePositive, ignored
}

/// The matches of one category over all images (pycocotools' `evaluateImg` for every image of the category),
/// detections concatenated in image order and, within an image, in descending score order.
struct CategoryMatches {
    /// Scores of the concatenated detections.
    var scores: [Double] = []
    /// Each detection's position among its image's detections, by descending score.
    var ranks: [Int] = []
    /// Per area range: the outcome of detection `d` at threshold `t` at `d * thresholdCount + t`.
    var outcomes = [[DetectionOutcome]](repeating: [], count: COCOParameters.areaRanges.count)
    /// Per area range: the ground-truth objects that are neither crowd nor outside the range.
    var relevantGroundTruthCounts = [Int](repeating: 0, count: COCOParameters.areaRanges.count)

    /// Matches one image's detections, sorted by descending score and at most `maxDetections.last`, greedily to its
    /// ground truth at every IoU threshold and area range.
    mutating func addImage(groundTruth: ArraySlice<GroundTruthEntry>, detections: ArraySlice<DetectionEntry>) {
        let groundTruth = Array(groundTruth), detections = Array(detections)
        scores += detections.map(\.score)
        ranks += detections.indices
        let overlaps = detections.flatMap { detection in
            groundTruth.map { detection.box.overlap(withGroundTruth: $0.box, isCrowd: $0.isCrowd) }
        }
        for (areaIndex, areaRange) in COCOParameters.areaRanges.enumerated() {
            let isIgnored = groundTruth.map { $0.isCrowd || !areaRange.contains($0.area) }
            // Relevant ground truth first, each group in its original order.
            let order = groundTruth.indices.filter { !isIgnored[$0] } + groundTruth.indices.filter { isIgnored[$0] }
            relevantGroundTruthCounts[areaIndex] += order.count - isIgnored.count(where: { $0 })
            outcomes[areaIndex] += matchOutcomes(
                groundTruth: order.map { groundTruth[$0] }, isIgnored: order.map { isIgnored[$0] }, detections: detections,
                overlap: { detection, sortedIndex in overlaps[detection * groundTruth.count + order[sortedIndex]] },
                areaRange: areaRange)
        }
    }
}

/// pycocotools' greedy matching at every IoU threshold for ground truth sorted relevant-first: each detection, best
/// score first, takes the unmatched (or crowd) ground truth it overlaps most, at least at the threshold, preferring
/// relevant ground truth; ties in overlap go to the later object. Unmatched detections outside the area range are ignored.
private func matchOutcomes(
    groundTruth: [GroundTruthEntry], isIgnored: [Bool], detections: [DetectionEntry],
    overlap: (_ detection: Int, _ groundTruth: Int) -> Double, areaRange: ClosedRange<Double>
) -> [DetectionOutcome] {
    let thresholds = COCOParameters.iouThresholds
    var outcomes = [DetectionOutcome](repeating: .falsePositive, count: detections.count * thresholds.count)
    var isTaken = [Bool](repeating: false, count: groundTruth.count)
    for (thresholdIndex, threshold) in thresholds.enumerated() {
        for index in isTaken.indices { isTaken[index] = false }
        for (detectionIndex, detection) in detections.enumerated() {
            var best = min(threshold, 1 - 1e-10)
            var match = -1
            for candidate in groundTruth.indices {
                if isTaken[candidate] && !groundTruth[candidate].isCrowd { continue }
                if match > -1 && !isIgnored[match] && isIgnored[candidate] { break }
                let candidateOverlap = overlap(detectionIndex, candidate)
                if candidateOverlap < best { continue }
                best = candidateOverlap
                match = candidate
            }
            let isMatched = match > -1 && groundTruth[match].countsAsMatch
            if match > -1 { isTaken[match] = true }
            let outcome: DetectionOutcome = if match > -1 && isIgnored[match] {
                .ignored
            } else if isMatched {
                .truePositive
            } else {
                areaRange.contains(detection.box.area) ? .falsePositive : .ignored
            }
            outcomes[detectionIndex * thresholds.count + thresholdIndex] = outcome
        }
    }
    return outcomes
}
