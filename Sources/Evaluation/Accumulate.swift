/// Precision and recall of one category (pycocotools' `accumulate` for one `k`), -1 where the category has no
/// relevant ground truth for an area range.
struct CategoryCurves {
    /// Interpolated precision at recall threshold `r`, stored at `curveIndex(area:maxDetections:threshold:) * R + r`.
    var precision: [Double]
    /// Final recall, stored at `curveIndex(area:maxDetections:threshold:)`.
    var recall: [Double]

    static func curveIndex(area: Int, maxDetections: Int, threshold: Int) -> Int {
        (area * COCOParameters.maxDetections.count + maxDetections) * COCOParameters.iouThresholds.count + threshold
    }
}

/// Ranks all of a category's detections by descending score (ties in image order, then by rank within the image)
/// and, for every area range, detection limit and IoU threshold, computes the recall reached and the precision
/// envelope sampled at the recall thresholds (`searchsorted(side='left')`, 0 past the last recall reached).
func accumulate(_ matches: CategoryMatches) -> CategoryCurves {
    let thresholdCount = COCOParameters.iouThresholds.count
    let recallThresholds = COCOParameters.recallThresholds
    let curveCount = COCOParameters.areaRanges.count * COCOParameters.maxDetections.count * thresholdCount
    var curves = CategoryCurves(
        precision: [Double](repeating: -1, count: curveCount * recallThresholds.count),
        recall: [Double](repeating: -1, count: curveCount))
    let ranked = matches.scores.indices.sorted { a, b in
        matches.scores[a] > matches.scores[b] || (matches.scores[a] == matches.scores[b] && a < b)
    }
    var recalls: [Double] = [], precisions: [Double] = []
    for (maxIndex, maxDetections) in COCOParameters.maxDetections.enumerated() {
        let kept = ranked.filter { matches.ranks[$0] < maxDetections }
        for (areaIndex, relevantCount) in matches.relevantGroundTruthCounts.enumerated() where relevantCount > 0 {
            let outcomes = matches.outcomes[areaIndex]
            for threshold in 0..<thresholdCount {
                recalls.removeAll(keepingCapacity: true)
                precisions.removeAll(keepingCapacity: true)
                var truePositives = 0.0, falsePositives = 0.0
                for detection in kept {
                    switch outcomes[detection * thresholdCount + threshold] {
                    case .truePositive: truePositives += 1
                    case .falsePositive: falsePositives += 1
                    case .ignored: break
                    }
                    recalls.append(truePositives / Double(relevantCount))
                    precisions.append(truePositives / (falsePositives + truePositives + Double.ulpOfOne))
                }
                // The precision envelope: each point takes the best precision at any higher recall.
                for index in precisions.indices.dropFirst().reversed() where precisions[index] > precisions[index - 1] {
                    precisions[index - 1] = precisions[index]
                }
                let curve = CategoryCurves.curveIndex(area: areaIndex, maxDetections: maxIndex, threshold: threshold)
                curves.recall[curve] = recalls.last ?? 0
                var position = 0
                for (recallIndex, recallThreshold) in recallThresholds.enumerated() {
                    while position < recalls.count && recalls[position] < recallThreshold { position += 1 }
                    curves.precision[curve * recallThresholds.count + recallIndex] = position < recalls.count ? precisions[position] : 0
                }
            }
        }
    }
    return curves
}
