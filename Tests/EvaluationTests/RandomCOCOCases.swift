import Evaluation
import Tensor
import Support

/// A ground truth and a detection set to evaluate against it.
struct COCOCase {
    var groundTruth: COCOGroundTruth
    var detections: [COCODetection]
}

/// Seeded random COCO cases that reach pycocotools' corner cases: sparse and missing categories (id 0 included),
/// image ids from 0, images without ground truth or without detections, crowd regions, annotation id 0, `area`
/// fields that disagree with the box, boxes and areas exactly on the 32² and 96² bounds, overlaps exactly on IoU
/// thresholds, tied scores, and more than 100 detections of one category in an image.
struct RandomCOCOCases {
    var random: SeededGenerator

    init(seed: UInt64) {
        random = SeededGenerator(seed: seed)
    }

    mutating func makeCase(maxImages: Int) -> COCOCase {
        let imageIDs = Array((0..<(3 * maxImages)).shuffled(using: &random).prefix(Int.random(in: 1...maxImages, using: &random)))
        let categoryIDs = Array((0..<10).shuffled(using: &random).prefix(Int.random(in: 1...5, using: &random)))
        // Sometimes one category has no ground truth at all.
        let usedCategories = categoryIDs.count > 1 && chance(0.5) ? Array(categoryIDs.dropFirst()) : categoryIDs
        var annotations: [COCOAnnotation] = []
        let firstID = chance(0.3) ? 0 : 1
        for imageID in imageIDs where chance(0.85) {
            for _ in 0..<Int.random(in: 0...7, using: &random) {
                let box = randomBox()
                annotations.append(COCOAnnotation(
                    id: firstID + annotations.count, imageID: imageID, categoryID: usedCategories.randomElement(using: &random)!,
                    box: box, area: areaField(for: box), isCrowd: chance(0.1)))
            }
        }
        let groundTruth = COCOGroundTruth(imageIDs: imageIDs, categoryIDs: categoryIDs, annotations: annotations)
        return COCOCase(groundTruth: groundTruth, detections: makeDetections(for: groundTruth))
    }

    /// Detections near the ground truth (jittered, cut to exact overlap fractions, sometimes of another or an
    /// unknown category), false positives, and now and then a burst of more than 100 in one image and category.
    mutating func makeDetections(for groundTruth: COCOGroundTruth) -> [COCODetection] {
        let tiedScores = chance(0.5)
        var detections: [COCODetection] = []
        func add(_ imageID: Int, _ categoryID: Int, _ box: COCOBox) {
            let score = tiedScores ? Double(Int.random(in: 1...10, using: &random)) / 10 : Double.random(in: 0.01...1, using: &random)
            detections.append(COCODetection(imageID: imageID, categoryID: categoryID, box: box, score: score))
        }
        let categories = groundTruth.categoryIDs + [99]
        for annotation in groundTruth.annotations where chance(0.8) {
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let category = chance(0.9) ? annotation.categoryID : categories.randomElement(using: &random)!
                add(annotation.imageID, category, nearBox(annotation.box))
            }
        }
        for imageID in groundTruth.imageIDs where chance(0.7) {
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                add(imageID, categories.randomElement(using: &random)!, randomBox())
            }
            if chance(0.05) {
                let category = groundTruth.categoryIDs.randomElement(using: &random)!
                for _ in 0..<Int.random(in: 101...160, using: &random) { add(imageID, category, randomBox()) }
            }
        }
        if detections.isEmpty { add(groundTruth.imageIDs[0], groundTruth.categoryIDs[0], randomBox()) }
        return detections.shuffled(using: &random)
    }

    private mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &random) < probability
    }

    /// A box of one of the sizes that matter: tiny, small, exactly 32² or 96² in area, medium or large.
    private mutating func randomBox() -> COCOBox {
        let (width, height): (Double, Double) = switch Int.random(in: 0..<6, using: &random) {
        case 0: (Double.random(in: 1...8, using: &random), Double.random(in: 1...8, using: &random))
        case 1: (Double.random(in: 8...32, using: &random), Double.random(in: 8...32, using: &random))
        case 2: [(32, 32), (16, 64), (96, 96), (48, 192), (64, 144)].randomElement(using: &random)!
        case 3: (Double.random(in: 32...96, using: &random), Double.random(in: 32...96, using: &random))
        default: (Double.random(in: 96...400, using: &random), Double.random(in: 60...300, using: &random))
        }
        let integral = chance(0.5)
        func coordinate(_ value: Double) -> Double { integral ? value.rounded() : value }
        return COCOBox(
            x: coordinate(Double.random(in: 0...500, using: &random)), y: coordinate(Double.random(in: 0...400, using: &random)),
            width: coordinate(width), height: coordinate(height))
    }

    /// A detection box for `box`: cut to a width fraction that gives an exact overlap (0.5, 0.75...), or jittered.
    private mutating func nearBox(_ box: COCOBox) -> COCOBox {
        if chance(0.25) {
            let fraction = [0.5, 0.55, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95].randomElement(using: &random)!
            return COCOBox(x: box.x, y: box.y, width: box.width * fraction, height: box.height)
        }
        let spread = [0.02, 0.1, 0.3].randomElement(using: &random)!
        func jitter(_ size: Double) -> Double { Double.random(in: -spread...spread, using: &random) * size }
        return COCOBox(
            x: box.x + jitter(box.width), y: box.y + jitter(box.height),
            width: max(0.5, box.width + jitter(box.width)), height: max(0.5, box.height + jitter(box.height)))
    }

    /// The `area` field: usually the box's, sometimes a size bound exactly, sometimes unrelated (as in real files).
    private mutating func areaField(for box: COCOBox) -> Double {
        switch Double.random(in: 0..<1, using: &random) {
        case ..<0.7: box.area
        case ..<0.85: [1024, 9216, 0].randomElement(using: &random)!
        default: Double.random(in: 0...20000, using: &random)
        }
    }
}
