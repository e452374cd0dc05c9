import DetectionLoss
import TestSupport
import XCTest

/// The loss against the Double reference transliteration (values) and its gradient against central finite
/// differences of that reference with the detached values frozen, on small random problems: nc 3 (or 1), two
/// levels of a 32-pixel image (4x4 at stride 8, 2x2 at stride 16), batch 2.
final class GradientTests: XCTestCase {
    static let anchorsInPixels: [[(w: Float, h: Float)]] = [[(6, 8), (12, 10), (10, 20)], [(20, 24), (30, 20), (28, 30)]]
    static let strides = [8, 16]
    static let grids = [(ny: 4, nx: 4), (ny: 2, nx: 2)]
    static let batch = 2

    /// Targets that exercise build_targets on the 4x4 grid (g = grid coordinate).
    static let targets: [DetectionTarget] = [
        // gx 1.2, gy 2.2: left and up neighbour cells.
        DetectionTarget(image: 0, classIndex: 1, x: 0.3, y: 0.55, w: 0.3, h: 0.25),
        // gx 2.7, gy 1.68: right neighbour (frac(4 - gx) < 0.5) and down neighbour.
        DetectionTarget(image: 1, classIndex: 2, x: 0.675, y: 0.42, w: 0.4, h: 0.5),
        // gx = gy = 2: exactly on a cell border.
        DetectionTarget(image: 1, classIndex: 0, x: 0.5, y: 0.5, w: 0.2, h: 0.35),
        // gx 4 on the right edge is clamped into cell 3 (tbox x becomes 1); its left and down offsets land there too.
        DetectionTarget(image: 0, classIndex: 0, x: 1.0, y: 0.0, w: 0.15, h: 0.2),
        // Two targets in the same cell (2, 3), with different classes and sizes.
        DetectionTarget(image: 0, classIndex: 2, x: 0.62, y: 0.9, w: 0.25, h: 0.3),
        DetectionTarget(image: 0, classIndex: 1, x: 0.6, y: 0.88, w: 0.3, h: 0.22),
        // A large box that also matches the coarse level.
        DetectionTarget(image: 1, classIndex: 1, x: 0.45, y: 0.4, w: 0.9, h: 0.75),
    ]

    static let plainHyperparameters = LossHyperparameters(balance: [4.0, 1.0])
        .scaledForTraining(levels: 2, classes: 3, imageSize: 32)

    func testBCEGradientMatchesFiniteDifferences() throws {
        try checkAgainstReference(classes: 3, hyperparameters: Self.plainHyperparameters, targets: Self.targets, seed: 1)
    }

    func testLabelSmoothingMatchesReference() throws {
        var hyperparameters = Self.plainHyperparameters
        hyperparameters.labelSmoothing = 0.2
        try checkAgainstReference(classes: 3, hyperparameters: hyperparameters, targets: Self.targets, seed: 2)
    }

    func testFocalLossWithPositiveWeightsMatchesReference() throws {
        var hyperparameters = Self.plainHyperparameters
        hyperparameters.focalGamma = 1.5
        hyperparameters.clsPositiveWeight = 1.3
        hyperparameters.objPositiveWeight = 0.8
        hyperparameters.labelSmoothing = 0.1
        try checkAgainstReference(classes: 3, hyperparameters: hyperparameters, targets: Self.targets, seed: 3)
    }

    func testSingleClassHasNoClassLoss() throws {
        let singleClass = Self.targets.map { target -> DetectionTarget in
            var target = target
            target.classIndex = 0
            return target
        }
        let breakdown = try checkAgainstReference(classes: 1, hyperparameters: Self.plainHyperparameters, targets: singleClass, seed: 4)
        XCTAssertEqual(breakdown.classification, 0)
        XCTAssertGreaterThan(breakdown.box, 0)
    }

    func testNoTargetsGivesOnlyObjectness() throws {
        let breakdown = try checkAgainstReference(classes: 3, hyperparameters: Self.plainHyperparameters, targets: [], seed: 5,
                                                  expectsBoxGradients: false)
        XCTAssertEqual(breakdown.box, 0)
        XCTAssertEqual(breakdown.classification, 0)
        XCTAssertEqual(breakdown.targetsPerLevel, [0, 0])
        XCTAssertEqual(breakdown.total, breakdown.objectness * Double(Self.batch), accuracy: 1e-15)
    }

    func testRepeatedCallsGiveIdenticalResults() throws {
        let loss = try YOLOLoss(classes: 3, anchorsInPixels: Self.anchorsInPixels, strides: Self.strides,
                                hyperparameters: Self.plainHyperparameters)
        let levels = Self.randomLevels(classes: 3, seed: 6)
        let first = try evaluate(loss, levels, batch: Self.batch, targets: Self.targets, gradients: true)
        _ = try evaluate(loss, levels, batch: Self.batch, targets: Array(Self.targets.prefix(2)), gradients: true)
        let again = try evaluate(loss, levels, batch: Self.batch, targets: Self.targets, gradients: true)
        XCTAssertEqual(first.breakdown, again.breakdown)
        XCTAssertEqual(first.gradients, again.gradients)
        let valueOnly = try evaluate(loss, levels, batch: Self.batch, targets: Self.targets, gradients: false)
        XCTAssertEqual(first.breakdown, valueOnly.breakdown)
    }

    // MARK: - Helpers

    static func randomLevels(classes: Int, seed: UInt64) -> [LevelOutput] {
        var random = SeededRandom(seed: seed)
        let outputs = classes + 5
        return grids.map { grid in
            var raw: [Float] = []
            for _ in 0..<(batch * grid.ny * grid.nx * anchorsInPixels[0].count) {
                for k in 0..<outputs {
                    switch k {
                    case 0..<4: raw.append(random.uniform(-1.5, 1.5))
                    case 4: raw.append(random.uniform(-4, 1))
                    default: raw.append(random.uniform(-3, 3))
                    }
                }
            }
            return LevelOutput(raw: raw, ny: grid.ny, nx: grid.nx)
        }
    }

    /// Compares values and match counts with the reference, then every gradient element with central
    /// differences (step 1e-5) of the reference with tobj and alpha frozen at the evaluation point.
    @discardableResult
    private func checkAgainstReference(classes: Int, hyperparameters: LossHyperparameters, targets: [DetectionTarget],
                                       seed: UInt64, expectsBoxGradients: Bool = true,
                                       file: StaticString = #filePath, line: UInt = #line) throws -> LossBreakdown {
        let loss = try YOLOLoss(classes: classes, anchorsInPixels: Self.anchorsInPixels, strides: Self.strides,
                                hyperparameters: hyperparameters)
        let levels = Self.randomLevels(classes: classes, seed: seed)
        let (breakdown, gradients) = try evaluate(loss, levels, batch: Self.batch, targets: targets, gradients: true)

        let reference = ReferenceLoss(classes: classes, anchorsInPixels: Self.anchorsInPixels, strides: Self.strides,
                                      hyp: hyperparameters, batch: Self.batch, grids: Self.grids, targets: targets)
        var point = levels.map { $0.raw.map(Double.init) }
        let expected = reference.evaluate(point)
        XCTAssertEqual(breakdown.targetsPerLevel, expected.counts, "matches per level", file: file, line: line)
        assertRelativelyClose(breakdown.total, expected.total, 1e-7, "total", file: file, line: line)
        assertRelativelyClose(breakdown.box, expected.box, 1e-7, "box", file: file, line: line)
        assertRelativelyClose(breakdown.objectness, expected.objectness, 1e-7, "objectness", file: file, line: line)
        assertRelativelyClose(breakdown.classification, expected.classification, 1e-7, "classification", file: file, line: line)

        let step = 1e-5, outputs = classes + 5
        var largestBoxGradient = 0.0
        for level in point.indices {
            for element in point[level].indices {
                let saved = point[level][element]
                point[level][element] = saved + step
                let up = reference.evaluate(point, frozen: expected.detached).total
                point[level][element] = saved - step
                let down = reference.evaluate(point, frozen: expected.detached).total
                point[level][element] = saved
                let numeric = (up - down) / (2 * step)
                let analytic = Double(gradients[level][element])
                XCTAssertLessThanOrEqual(abs(analytic - numeric), 1e-7 + 1e-5 * abs(numeric),
                                         "level \(level) element \(element) (channel \(element % outputs)): analytic \(analytic) vs numeric \(numeric)",
                                         file: file, line: line)
                if element % outputs < 4 { largestBoxGradient = max(largestBoxGradient, abs(numeric)) }
            }
        }
        if expectsBoxGradients {
            XCTAssertGreaterThan(largestBoxGradient, 1e-3, "the box gradient check would prove nothing", file: file, line: line)
        } else {
            XCTAssertEqual(largestBoxGradient, 0, "box logits without targets must not matter", file: file, line: line)
        }
        return breakdown
    }
}
