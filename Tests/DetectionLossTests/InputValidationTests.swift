import DetectionLoss
import XCTest

/// Bad targets, shapes and configurations raise errors that say what is wrong and where.
final class InputValidationTests: XCTestCase {
    private static let anchorsInPixels: [[(w: Float, h: Float)]] = [[(10, 13), (16, 30), (33, 23)]]
    private static let valid = DetectionTarget(image: 0, classIndex: 1, x: 0.5, y: 0.5, w: 0.2, h: 0.3)

    private func makeLoss() throws -> YOLOLoss {
        try YOLOLoss(classes: 4, anchorsInPixels: Self.anchorsInPixels, strides: [8],
                     hyperparameters: LossHyperparameters(balance: [4.0]))
    }

    private func level() -> [LevelOutput] {
        [LevelOutput(raw: [Float](repeating: 0, count: 2 * 2 * 2 * 3 * 9), ny: 2, nx: 2)]
    }

    /// Asserts that `bad`, placed third among valid targets, is rejected as target 2 with `reasonFragment`.
    private func assertRejected(_ bad: DetectionTarget, _ reasonFragment: String, line: UInt = #line) throws {
        let loss = try makeLoss()
        XCTAssertThrowsError(try evaluate(loss, level(), batch: 2, targets: [Self.valid, Self.valid, bad], gradients: true),
                             line: line) { error in
            guard case let .invalidTarget(index, reason)? = error as? DetectionLossError else {
                return XCTFail("unexpected error \(error)", line: line)
            }
            XCTAssertEqual(index, 2, line: line)
            XCTAssertTrue(reason.contains(reasonFragment), "reason \"\(reason)\" lacks \"\(reasonFragment)\"", line: line)
            XCTAssertTrue("\(error)".contains("target 2"), "\(error)", line: line)
        }
    }

    func testClassIndexOutOfRange() throws {
        var bad = Self.valid
        bad.classIndex = 4
        try assertRejected(bad, "class index 4 is outside 0..<4")
        bad.classIndex = -1
        try assertRejected(bad, "class index -1")
    }

    func testImageIndexBeyondBatch() throws {
        var bad = Self.valid
        bad.image = 2
        try assertRejected(bad, "image index 2 is outside 0..<2")
    }

    func testNonFiniteBox() throws {
        var bad = Self.valid
        bad.x = .nan
        try assertRejected(bad, "not finite")
        bad = Self.valid
        bad.h = .infinity
        try assertRejected(bad, "not finite")
    }

    func testBoxOutsideImageOrNegativeSize() throws {
        var bad = Self.valid
        bad.y = 1.5
        try assertRejected(bad, "outside the normalised range")
        bad = Self.valid
        bad.w = -0.1
        try assertRejected(bad, "negative")
    }

    func testShapeMismatches() throws {
        let loss = try makeLoss()
        let twoLevels = level() + level()
        XCTAssertThrowsError(try evaluate(loss, twoLevels, batch: 2, targets: [], gradients: false)) { error in
            XCTAssertTrue("\(error)".contains("2 prediction levels, the loss has 1"), "\(error)")
        }
        XCTAssertThrowsError(try evaluate(loss, level(), batch: 0, targets: [], gradients: false)) { error in
            XCTAssertTrue("\(error)".contains("batch size must be positive"), "\(error)")
        }
        XCTAssertThrowsError(try evaluate(loss, [LevelOutput(raw: [0], ny: 0, nx: 2)], batch: 1, targets: [], gradients: false)) { error in
            XCTAssertTrue("\(error)".contains("level 0 has an empty grid 0x2"), "\(error)")
        }
        let raw = [Float](repeating: 0, count: 9)
        try raw.withUnsafeBufferPointer { buffer in
            XCTAssertThrowsError(try loss.compute(levels: [(raw: buffer.baseAddress!, ny: 1, nx: 1)], batch: 1, targets: [],
                                                  gradients: [])) { error in
                XCTAssertTrue("\(error)".contains("0 gradient buffers for 1 levels"), "\(error)")
            }
        }
    }

    func testInconsistentConfiguration() {
        XCTAssertThrowsError(try YOLOLoss(classes: 4, anchorsInPixels: Self.anchorsInPixels, strides: [8, 16],
                                          hyperparameters: LossHyperparameters(balance: [4.0, 1.0]))) { error in
            XCTAssertTrue("\(error)".contains("1 anchor levels for 2 strides"), "\(error)")
        }
        XCTAssertThrowsError(try YOLOLoss(classes: 4, anchorsInPixels: Self.anchorsInPixels, strides: [8],
                                          hyperparameters: LossHyperparameters())) { error in
            XCTAssertTrue("\(error)".contains("3 balance weights for 1 levels"), "\(error)")
        }
        XCTAssertThrowsError(try YOLOLoss(classes: 0, anchorsInPixels: Self.anchorsInPixels, strides: [8],
                                          hyperparameters: LossHyperparameters(balance: [4.0]))) { error in
            XCTAssertTrue("\(error)".contains("classes must be positive"), "\(error)")
        }
        XCTAssertThrowsError(try YOLOLoss(classes: 4, anchorsInPixels: Self.anchorsInPixels, strides: [0],
                                          hyperparameters: LossHyperparameters(balance: [4.0]))) { error in
            XCTAssertTrue("\(error)".contains("strides must be positive"), "\(error)")
        }
        XCTAssertThrowsError(try YOLOLoss(classes: 4, anchorsInPixels: [[(10, 0)]], strides: [8],
                                          hyperparameters: LossHyperparameters(balance: [4.0]))) { error in
            XCTAssertTrue("\(error)".contains("anchor sizes must be positive and finite"), "\(error)")
        }
        XCTAssertThrowsError(try YOLOLoss(classes: 4, anchorsInPixels: [[(10, 13)], [(30, 61), (62, 45)]], strides: [8, 16],
                                          hyperparameters: LossHyperparameters(balance: [4.0, 1.0]))) { error in
            XCTAssertTrue("\(error)".contains("the same positive number of anchors, got [1, 2]"), "\(error)")
        }
    }
}
