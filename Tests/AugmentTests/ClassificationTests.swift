import Augment
import Imaging
import Tensor
import XCTest
import Support

final class ClassificationTests: XCTestCase {
    private let image = TestSupport.numbered(width: 5, height: 4, format: .grey)

    func testShiftPadsAndCropsWithZeros() {
        let shifted = image.shifted(width: 5, height: 4, offsetX: 2, offsetY: -1)
        for y in 0..<4 {
            for x in 0..<5 {
                let (sx, sy) = (x - 2, y + 1)
                let expected: UInt8 = (0..<5).contains(sx) && (0..<4).contains(sy) ? image.pixel(sx, sy)[0] : 0
                XCTAssertEqual(shifted.pixel(x, y), [expected], "(\(x), \(y))")
            }
        }
        XCTAssertEqual(image.shifted(width: 5, height: 4, offsetX: 9, offsetY: 0).pixels, [UInt8](repeating: 0, count: 20))
    }

    func testPadCropAndFlipGiveEveryShiftedCandidateAndNothingElse() throws {
        let augmentation = ClassificationAugmentation(format: .grey, cropPadding: 1)
        let sample = ClassificationExample(key: "c", image: image, label: 3)
        var candidates: [[UInt8]: Int] = [:]
        for dy in -1...1 {
            for dx in -1...1 {
                let crop = image.shifted(width: 5, height: 4, offsetX: dx, offsetY: dy)
                candidates[crop.pixels] = 0
                candidates[crop.flippedLeftRight().pixels] = 0
            }
        }
        XCTAssertEqual(candidates.count, 18)
        for seed in 0..<400 as Range<UInt64> {
            var random = SeededGenerator(seed: seed)
            let example = try augmentation.augment(sample, random: &random)
            XCTAssertEqual(example.label, 3)
            XCTAssertEqual(example.key, "c")
            guard let seen = candidates[example.image.pixels] else { return XCTFail("seed \(seed): not a crop of the padded image or its mirror") }
            candidates[example.image.pixels] = seen + 1
        }
        XCTAssertFalse(candidates.values.contains(0), "every crop offset and flip occurs")
        XCTAssertEqual(try augmentation.validationExample(sample).image, image, "validation does not augment")
    }

    func testRotationTurnsAboutTheCentreWithZeroFill() {
        // +90 degrees (counter-clockwise on screen) about the centre of a 3x3 image.
        let square = TestSupport.numbered(width: 3, height: 3, format: .grey)
        let rotation = ProjectiveTransform.translation(x: 1, y: 1) * .rotation(degrees: 90, scale: 1) * .translation(x: -1, y: -1)
        let turned = square.warped(by: rotation, width: 3, height: 3, fill: 0)
        XCTAssertEqual(turned.pixels, [2, 5, 8, 1, 4, 7, 0, 3, 6])
        let augmentation = ClassificationAugmentation(format: .rgb, cropPadding: 0, flipLeftRight: 0, rotationDegrees: 15)
        let flat = Image(width: 9, height: 9, format: .rgb, filledWith: 200)
        var random = SeededGenerator(seed: 2), same = SeededGenerator(seed: 2)
        let rotated = try! augmentation.augment(ClassificationExample(key: "r", image: flat, label: 0), random: &random)
        XCTAssertEqual(rotated.image.pixel(4, 4), [200, 200, 200], "the centre stays")
        XCTAssertLessThan(rotated.image.pixel(0, 0)[0], 200, "a corner turns out of the picture and fills with zero")
        XCTAssertEqual(try! augmentation.augment(ClassificationExample(key: "r", image: flat, label: 0), random: &same), rotated)
    }

    func testPreprocessPadsCentredOrDownsamples() throws {
        let fashion = TestSupport.numbered(width: 28, height: 28, format: .grey)
        let padded = try ClassificationPreprocess.pad(width: 32, height: 32).apply(to: ClassificationExample(key: "f", image: fashion, label: 1))
        XCTAssertEqual([padded.image.width, padded.image.height], [32, 32])
        XCTAssertEqual(padded.image.pixel(2, 2), fashion.pixel(0, 0))
        XCTAssertEqual(padded.image.pixel(29, 29), fashion.pixel(27, 27))
        XCTAssertEqual(padded.image.pixel(1, 2), [0])
        XCTAssertEqual(padded.image.pixel(30, 29), [0])
        let tiny = try ClassificationPreprocess.areaDownsample(factor: 4).apply(to: ClassificationExample(key: "t", image: TestSupport.numbered(width: 64, height: 64), label: 0))
        XCTAssertEqual([tiny.image.width, tiny.image.height, tiny.image.channels], [16, 16, 3])
        TestSupport.assertThrows("sample 'f': the 28x28 image is larger than the 24x32 it should be padded to") {
            try ClassificationPreprocess.pad(width: 24, height: 32).apply(to: ClassificationExample(key: "f", image: fashion, label: 1))
        }
    }
}
