@testable import Augment
import Detection
import Imaging
import Tensor
import XCTest
import Support

final class DetectionAugmentationTests: XCTestCase {
    private let object = RGBColor(red: 240, green: 20, blue: 20)
    private let background = RGBColor(red: 20, green: 60, blue: 200)

    /// Four samples of different sizes, each a blue picture with one red rectangle as its only object.
    private func tiles() -> [DetectionSample] {
        let shapes = [(160, 120, 30, 40, 60, 50), (90, 140, 10, 70, 50, 40), (128, 128, 64, 10, 40, 90), (200, 60, 120, 8, 70, 44)]
        return shapes.enumerated().map { index, shape in
            let (width, height, x, y, w, h) = shape
            let image = TestSupport.picture(width: width, height: height, background: background,
                                            rectangles: [(x0: x, y0: y, x1: x + w - 1, y1: y + h - 1, color: object)])
            let box = LabeledBox(classIndex: index, x1: Float(x), y1: Float(y), x2: Float(x + w), y2: Float(y + h))
            return DetectionSample(key: "tile\(index)", image: image, boxes: [box])
        }
    }

    private func isObject(_ image: Image, _ x: Int, _ y: Int) -> Bool {
        let p = image.pixel(x, y)
        return p[0] > 200 && p[1] < 60 && p[2] < 60
    }

    /// YOLOv5's mixup: a second warped mosaic blended with ratio r ~ Beta(32, 32), the boxes of both kept.
    func testMixupBlendsTwoWarpedMosaicsAndKeepsBothBoxSets() {
        let augmentation = DetectionAugmentation(imageSize: 96, mosaic: 1, mixup: 1, hsv: HSVJitter(hue: 0, saturation: 0, value: 0), flipLeftRight: 0)
        let samples = tiles()
        for seed in 0..<4 as Range<UInt64> {
            var random = SeededGenerator(seed: seed), replay = random
            let mixed = augmentation.augment(samples[0], mosaicPartners: Array(samples[1...]), mixupMosaic: samples.reversed(), random: &random)
            let first = augmentation.warped(samples[0], mosaicPartners: Array(samples[1...]), random: &replay)
            let second = augmentation.warped(samples[3], mosaicPartners: [samples[2], samples[1], samples[0]], random: &replay)
            let ratio = replay.beta(32, 32)
            XCTAssertGreaterThan(ratio, 0.2)
            XCTAssertLessThan(ratio, 0.8)
            XCTAssertEqual(mixed.image, DetectionAugmentation.blend(first.image, second.image, ratio: ratio), "seed \(seed)")
            XCTAssertEqual(mixed.boxes, first.boxes + second.boxes, "seed \(seed)")
            XCTAssertGreaterThan(second.boxes.count, 0, "seed \(seed): the second mosaic brings boxes")
        }
        // uint8(a r + b (1 - r)), truncated as NumPy's astype(np.uint8).
        let a = Image(width: 1, height: 1, format: .rgb, pixels: [200, 1, 255]), b = Image(width: 1, height: 1, format: .rgb, pixels: [100, 2, 255])
        XCTAssertEqual(DetectionAugmentation.blend(a, b, ratio: 0.3).pixels, [130, 1, 255])
    }

    func testMosaicIsSquareAndItsBoxesEncloseTheObjects() {
        let augmentation = DetectionAugmentation(imageSize: 96, hsv: HSVJitter(hue: 0, saturation: 0, value: 0))
        let samples = tiles()
        var keptBoxes = 0, objectPixels = 0, coveredPixels = 0
        for seed in 0..<12 as Range<UInt64> {
            var random = SeededGenerator(seed: seed)
            let example = augmentation.augment(samples[0], mosaicPartners: Array(samples[1...]), random: &random)
            XCTAssertEqual(example.key, "tile0")
            XCTAssertEqual([example.image.width, example.image.height], [96, 96])
            XCTAssertEqual(example.image.format, .rgb)
            keptBoxes += example.boxes.count
            for box in example.boxes {
                XCTAssertTrue(box.x1 >= 0 && box.y1 >= 0 && box.x2 <= 96 && box.y2 <= 96 && box.width > 2 && box.height > 2, "seed \(seed): \(box)")
                // Inside the box, 1.5 px in from its edges (bilinear edges), every pixel is the object's colour.
                for y in Int((box.y1 + 1.5).rounded(.up))..<Int((box.y2 - 1.5).rounded(.down)) {
                    for x in Int((box.x1 + 1.5).rounded(.up))..<Int((box.x2 - 1.5).rounded(.down)) {
                        XCTAssertTrue(isObject(example.image, x, y), "seed \(seed): pixel (\(x), \(y)) of \(box) is \(example.image.pixel(x, y))")
                    }
                }
            }
            // Object-coloured pixels lie in some box (their pixel square overlaps it), except slivers of objects that
            // box_candidates dropped (under 3 px, or under 10% of their area, left in the picture).
            for y in 0..<96 {
                for x in 0..<96 where isObject(example.image, x, y) {
                    objectPixels += 1
                    if example.boxes.contains(where: { Float(x) + 1 > $0.x1 - 0.5 && Float(x) < $0.x2 + 0.5 && Float(y) + 1 > $0.y1 - 0.5 && Float(y) < $0.y2 + 0.5 }) {
                        coveredPixels += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(Double(coveredPixels), 0.99 * Double(objectPixels), "\(coveredPixels) of \(objectPixels) object pixels in boxes")
        XCTAssertGreaterThan(keptBoxes, 12, "the mosaics should keep most objects")
    }

    func testSameSeedGivesIdenticalBytesAndOtherSeedsDiffer() {
        let augmentation = DetectionAugmentation(imageSize: 64)
        let samples = tiles()
        func run(_ seed: UInt64) -> DetectionExample {
            var random = SeededGenerator(seed: seed)
            return augmentation.augment(samples[0], mosaicPartners: Array(samples[1...]), random: &random)
        }
        XCTAssertEqual(run(5), run(5))
        XCTAssertNotEqual(run(5).image, run(6).image)
        var first = SeededGenerator(seed: 5), second = SeededGenerator(seed: 5)
        XCTAssertEqual(augmentation.augment(samples[3], mosaicPartners: [], random: &first),
                       augmentation.augment(samples[3], mosaicPartners: [], random: &second))
    }

    func testLeftRightFlipInThePipelineMirrorsImageAndBoxes() {
        let plain = DetectionAugmentation(imageSize: 64, perspective: RandomPerspective(translate: 0, scale: 0),
                                          hsv: HSVJitter(hue: 0, saturation: 0, value: 0), flipLeftRight: 0)
        var flipping = plain
        flipping.flipLeftRight = 1
        let sample = tiles()[0]
        var random = SeededGenerator(seed: 1), same = SeededGenerator(seed: 1)
        let unflipped = plain.augment(sample, mosaicPartners: [], random: &random)
        let flipped = flipping.augment(sample, mosaicPartners: [], random: &same)
        XCTAssertEqual(flipped.image, unflipped.image.flippedLeftRight())
        XCTAssertEqual(flipped.boxes, unflipped.boxes.map { $0.flippedLeftRight(width: 64) })
        // Without mosaic and with identity ranges the example is the letterbox: 160x120 -> 64x48 + 8 rows above and below.
        TestSupport.assertBox(unflipped.boxes[0], LabeledBox(classIndex: 0, x1: 12, y1: 24, x2: 36, y2: 44))
        XCTAssertEqual(unflipped.image.pixel(0, 0), [114, 114, 114])
    }

    func testValidationLetterboxMapsBoxesForwardAndBack() {
        let image = TestSupport.picture(width: 200, height: 100, background: background)
        let box = LabeledBox(classIndex: 1, x1: 50, y1: 20, x2: 150, y2: 80)
        let example = DetectionAugmentation(imageSize: 64).validationExample(DetectionSample(key: "v", image: image, boxes: [box]))
        XCTAssertEqual([example.image.width, example.image.height], [64, 64])
        let source = try! XCTUnwrap(example.source)
        XCTAssertEqual([source.width, source.height], [200, 100])
        XCTAssertEqual(source.letterbox.ratio, 0.32)
        XCTAssertEqual([source.letterbox.padX, source.letterbox.padY], [0, 16])
        XCTAssertEqual(example.image.pixel(10, 15), [114, 114, 114])
        XCTAssertEqual(example.image.pixel(10, 16), [background.red, background.green, background.blue])
        TestSupport.assertBox(example.boxes[0], LabeledBox(classIndex: 1, x1: 16, y1: 22.4, x2: 48, y2: 41.6))
        let predicted = example.boxes.map { DetectionBox(x1: $0.x1, y1: $0.y1, x2: $0.x2, y2: $0.y2, score: 1, classIndex: $0.classIndex) }
        let back = scaleBoxes(predicted, gain: source.letterbox.ratio, padX: source.letterbox.padX, padY: source.letterbox.padY,
                              imageWidth: source.width, imageHeight: source.height)[0]
        XCTAssertEqual([back.x1, back.y1, back.x2, back.y2], [50, 20, 150, 80].map(Float.init), accuracy: 1e-4)
        // Small images are enlarged to fit, as load_image does for validation too.
        let small = DetectionAugmentation(imageSize: 64).validationExample(DetectionSample(key: "s", image: TestSupport.numbered(width: 16, height: 32), boxes: []))
        XCTAssertEqual(small.source?.letterbox.ratio, 2)
    }
}

private func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, "\(a) vs \(b)", file: file, line: line) }
}

/// The labels recorded for labels.jpg: every box up to the cap, then a uniform sample of them.
final class LabelStatisticsTests: XCTestCase {
    func testCountsEveryInstanceAndKeepsAtMostTheCap() {
        let statistics = LabelStatistics(classes: 3)
        let image = Image(width: 100, height: 50, format: .rgb, filledWith: 0)
        statistics.add(DetectionSample(key: "a", image: image, boxes: [LabeledBox(classIndex: 2, x1: 10, y1: 10, x2: 30, y2: 20)]))
        var snapshot = statistics.snapshot
        XCTAssertEqual(snapshot.images, 1)
        XCTAssertEqual(snapshot.classCounts, [0, 0, 1])
        XCTAssertEqual(snapshot.boxes.count, 1)
        XCTAssertEqual(snapshot.boxes[0].cx, 0.2, accuracy: 1e-12)
        XCTAssertEqual(snapshot.boxes[0].h, 0.2, accuracy: 1e-12)
        let many = (0..<(LabelStatistics.maximumBoxes + 100)).map { _ in LabeledBox(classIndex: 0, x1: 0, y1: 0, x2: 1, y2: 1) }
        statistics.add(DetectionSample(key: "b", image: image, boxes: many))
        snapshot = statistics.snapshot
        XCTAssertEqual(snapshot.classCounts[0], LabelStatistics.maximumBoxes + 100)
        XCTAssertEqual(snapshot.boxes.count, LabelStatistics.maximumBoxes)
    }

    func testRecordsOnlyItsEpochsTrainedPositions() {
        let statistics = LabelStatistics(classes: 1, epoch: 2, positions: 0..<12)
        XCTAssertTrue(statistics.records(epoch: 2, position: 0))
        XCTAssertTrue(statistics.records(epoch: 2, position: 11))
        XCTAssertFalse(statistics.records(epoch: 2, position: 12), "a batch prefetched past the epoch's cut")
        XCTAssertFalse(statistics.records(epoch: 3, position: 0), "the next epoch's first batch")
    }

    /// The ranks' records merge into one over all training images: counts summed, boxes sampled in proportion to
    /// what each rank saw.
    func testRanksMergeIntoOneRecord() throws {
        let image = Image(width: 100, height: 100, format: .rgb, filledWith: 0)
        let small = LabelStatistics(classes: 2), large = LabelStatistics(classes: 2)
        small.add(DetectionSample(key: "a", image: image, boxes: [LabeledBox(classIndex: 1, x1: 0, y1: 0, x2: 10, y2: 20)]))
        let many = (0..<(2 * LabelStatistics.maximumBoxes)).map { _ in LabeledBox(classIndex: 0, x1: 50, y1: 50, x2: 60, y2: 60) }
        large.add(DetectionSample(key: "b", image: image, boxes: many))
        large.add(DetectionSample(key: "c", image: image, boxes: [LabeledBox(classIndex: 1, x1: 0, y1: 0, x2: 10, y2: 10)]))

        let merged = try LabelStatistics.merged([small.encoded(), large.encoded()], classes: 2)
        XCTAssertEqual(merged.images, 3)
        XCTAssertEqual(merged.classCounts, [2 * LabelStatistics.maximumBoxes, 2])
        // 1 of 10,002 boxes from the small rank rounds down to none; the large rank gives its share of the cap.
        let expectedLarge = Int((Double(LabelStatistics.maximumBoxes) * 10_001 / 10_002).rounded(.down))
        XCTAssertEqual(merged.boxes.count, expectedLarge)

        // Under the cap every box is kept.
        let both = try LabelStatistics.merged([small.encoded(), small.encoded()], classes: 2)
        XCTAssertEqual(both.images, 2)
        XCTAssertEqual(both.classCounts, [0, 2])
        XCTAssertEqual(both.boxes.count, 2)
        XCTAssertEqual(both.boxes[1].cx, 0.05, accuracy: 1e-12)
        XCTAssertEqual(both.boxes[1].h, 0.2, accuracy: 1e-12)

        XCTAssertThrowsError(try LabelStatistics.merged([small.encoded(), Array("garbage".utf8)], classes: 2)) { error in
            XCTAssertTrue("\(error)".contains("the label statistics of rank 1 are unreadable"), "\(error)")
        }
        XCTAssertThrowsError(try LabelStatistics.merged([small.encoded()], classes: 3)) { error in
            XCTAssertTrue("\(error)".contains("2 class counts for 3 classes"), "\(error)")
        }
    }
}
