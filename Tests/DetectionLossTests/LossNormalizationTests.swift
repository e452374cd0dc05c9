import DetectionLoss
import XCTest

/// A batch split over two ranks with unequal boxes (image 0 holds 4 targets, image 1 holds 2): with the whole
/// batch's counts as normalisation, the parts' losses add up to the whole batch's loss and each part's gradient is
/// the whole batch's gradient of its image, which is what makes data-parallel training equal one process.
final class LossNormalizationTests: XCTestCase {
    private typealias Setup = GradientTests
    /// GradientTests' targets without the last (image 1's large box).
    private let wholeTargets = Array(Setup.targets.dropLast())

    private func makeLoss() throws -> YOLOLoss {
        try YOLOLoss(classes: 3, anchorsInPixels: Setup.anchorsInPixels, strides: Setup.strides, hyperparameters: Setup.plainHyperparameters)
    }

    /// Image `image`'s rows of every level, as a batch of one.
    private func part(_ levels: [LevelOutput], image: Int) -> [LevelOutput] {
        levels.map { level in
            let perImage = level.raw.count / Setup.batch
            return LevelOutput(raw: Array(level.raw[(image * perImage)..<((image + 1) * perImage)]), ny: level.ny, nx: level.nx)
        }
    }

    private func targets(of image: Int) -> [DetectionTarget] {
        wholeTargets.filter { $0.image == image }.map { target in
            var target = target
            target.image = 0
            return target
        }
    }

    func testPartsWithTheWholeBatchNormalisationAddUpToTheWholeBatch() throws {
        let loss = try makeLoss()
        let levels = Setup.randomLevels(classes: 3, seed: 21)
        let whole = try evaluate(loss, levels, batch: Setup.batch, targets: wholeTargets, gradients: true)
        let partCounts = (0..<2).map { loss.matchCounts(levels: Setup.grids, targets: targets(of: $0)) }
        XCTAssertEqual(zip(partCounts[0], partCounts[1]).map { $0 + $1 }, whole.breakdown.targetsPerLevel)
        XCTAssertNotEqual(partCounts[0], partCounts[1], "the parts must hold different numbers of matches")
        let normalization = LossNormalization(images: Setup.batch, matchesPerLevel: whole.breakdown.targetsPerLevel)

        var sums = (total: 0.0, box: 0.0, objectness: 0.0, classification: 0.0)
        for image in 0..<2 {
            let result = try evaluate(loss, part(levels, image: image), batch: 1, targets: targets(of: image), gradients: true,
                                      normalization: normalization)
            sums.total += result.breakdown.total
            sums.box += result.breakdown.box
            sums.objectness += result.breakdown.objectness
            sums.classification += result.breakdown.classification
            let expected = part(whole.gradients.enumerated().map { LevelOutput(raw: $1, ny: levels[$0].ny, nx: levels[$0].nx) }, image: image)
            for (level, (actual, wanted)) in zip(result.gradients, expected).enumerated() {
                for (index, (a, b)) in zip(actual, wanted.raw).enumerated() {
                    XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b)), "image \(image) level \(level) element \(index)")
                }
            }
        }
        assertRelativelyClose(sums.total, whole.breakdown.total, 1e-12, "total")
        assertRelativelyClose(sums.box, whole.breakdown.box, 1e-12, "box")
        assertRelativelyClose(sums.objectness, whole.breakdown.objectness, 1e-12, "objectness")
        assertRelativelyClose(sums.classification, whole.breakdown.classification, 1e-12, "classification")

        // Each part normalised by its own counts (YOLOv5's DDP) does not add up: the box means weigh the parts' matches
        // unequally.
        let ownBoxes = try (0..<2).map { try evaluate(loss, part(levels, image: $0), batch: 1, targets: targets(of: $0), gradients: false).breakdown.box }
        XCTAssertGreaterThan(abs(ownBoxes.reduce(0, +) / 2 - whole.breakdown.box), 1e-3 * whole.breakdown.box)
    }

    func testNormalisationSmallerThanTheBatchIsRefused() throws {
        let loss = try makeLoss()
        let levels = part(Setup.randomLevels(classes: 3, seed: 22), image: 0)
        let counts = loss.matchCounts(levels: Setup.grids, targets: targets(of: 0))
        XCTAssertThrowsError(try evaluate(loss, levels, batch: 1, targets: targets(of: 0), gradients: true,
                                          normalization: LossNormalization(images: 1, matchesPerLevel: counts.map { $0 - 1 }))) { error in
            XCTAssertTrue("\(error)".contains("this batch alone has"), "\(error)")
        }
        XCTAssertThrowsError(try evaluate(loss, levels, batch: 1, targets: targets(of: 0), gradients: true,
                                          normalization: LossNormalization(images: 1, matchesPerLevel: [counts[0]]))) { error in
            XCTAssertTrue("\(error)".contains("levels"), "\(error)")
        }
    }
}
