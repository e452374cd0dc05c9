/// COCO box detection metrics computed exactly as pycocotools' `COCOeval(iouType='bbox')` computes them.
/// Create one per ground truth and evaluate as many detection sets against it as needed.
public struct COCOEvaluator: Sendable {
    private let imageIndexByID: [Int: Int]
    private let categoryIndexByID: [Int: Int]
    /// Per category in ascending id order: its ground truth ordered by image, file order within an image.
    private let groundTruthByCategory: [[GroundTruthEntry]]

    public init(groundTruth: COCOGroundTruth) {
        imageIndexByID = Dictionary(positionsOfSorted: groundTruth.imageIDs)
        categoryIndexByID = Dictionary(positionsOfSorted: groundTruth.categoryIDs)
        var byCategory = [[(order: Int, entry: GroundTruthEntry)]](repeating: [], count: categoryIndexByID.count)
        for (order, annotation) in groundTruth.annotations.enumerated() {
            guard let image = imageIndexByID[annotation.imageID], let category = categoryIndexByID[annotation.categoryID] else { continue }
            byCategory[category].append((order, GroundTruthEntry(
                imageIndex: image, box: annotation.box, area: annotation.area, isCrowd: annotation.isCrowd,
                countsAsMatch: annotation.id != 0)))
        }
        groundTruthByCategory = byCategory.map { entries in
            entries.sorted { ($0.entry.imageIndex, $0.order) < ($1.entry.imageIndex, $1.order) }.map(\.entry)
        }
    }

    /// The 12 statistics of `detections`. Detections of categories the ground truth lacks are left out; a detection
    /// of an image the ground truth lacks is an error, as in pycocotools' `loadRes`.
    public func evaluate(_ detections: [COCODetection]) throws(COCOEvaluationError) -> COCOSummary {
        var byCategory = [[(order: Int, entry: DetectionEntry)]](repeating: [], count: categoryIndexByID.count)
        for (order, detection) in detections.enumerated() {
            guard let image = imageIndexByID[detection.imageID] else {
                throw .unknownImage(detectionIndex: order, imageID: detection.imageID)
            }
            guard let category = categoryIndexByID[detection.categoryID] else { continue }
            byCategory[category].append((order, DetectionEntry(imageIndex: image, box: detection.box, score: detection.score)))
        }
        let curves = zip(groundTruthByCategory, byCategory).map { groundTruth, detections in
            let detections = detections.sorted { a, b in
                (a.entry.imageIndex, -a.entry.score, a.order) < (b.entry.imageIndex, -b.entry.score, b.order)
            }
            return accumulate(matchCategory(groundTruth: groundTruth, detections: detections.map(\.entry)))
        }
        return COCOSummary(categories: curves)
    }

    /// Matches a category image by image; both lists are ordered by image, detections by descending score within one.
    private func matchCategory(groundTruth: [GroundTruthEntry], detections: [DetectionEntry]) -> CategoryMatches {
        var matches = CategoryMatches()
        var gtStart = 0, dtStart = 0
        while gtStart < groundTruth.count || dtStart < detections.count {
            let image = min(groundTruth.dropFirst(gtStart).first?.imageIndex ?? .max, detections.dropFirst(dtStart).first?.imageIndex ?? .max)
            let gtEnd = groundTruth[gtStart...].firstIndex { $0.imageIndex != image } ?? groundTruth.count
            let dtEnd = detections[dtStart...].firstIndex { $0.imageIndex != image } ?? detections.count
            matches.addImage(
                groundTruth: groundTruth[gtStart..<gtEnd],
                detections: detections[dtStart..<dtEnd].prefix(COCOParameters.maxDetections.last!))
            gtStart = gtEnd
            dtStart = dtEnd
        }
        return matches
    }
}

/// A detection set that cannot be evaluated against the ground truth.
public enum COCOEvaluationError: Error, Equatable, CustomStringConvertible {
    case unknownImage(detectionIndex: Int, imageID: Int)

    public var description: String {
        switch self {
        case let .unknownImage(index, imageID): "detection \(index) has image_id \(imageID), which is not an image of the ground truth"
        }
    }
}

private extension Dictionary where Key == Int, Value == Int {
    /// Each distinct id mapped to its position among the distinct ids in ascending order (`np.unique`).
    init(positionsOfSorted ids: [Int]) {
        self.init(uniqueKeysWithValues: Set(ids).sorted().enumerated().map { ($1, $0) })
    }
}
