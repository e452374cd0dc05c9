import Augment
import DetectionLoss
import Imaging
import Tensor
import XCTest

final class CollateTests: XCTestCase {
    func testDetectionBatchIsNHWCOverTwoFiftyFiveWithNormalisedCentreTargets() throws {
        let first = TestSupport.numbered(width: 4, height: 2), second = Image(width: 4, height: 2, format: .rgb, filledWith: 255)
        let examples = [
            DetectionExample(key: "a", image: first, boxes: [LabeledBox(classIndex: 3, x1: 0, y1: 0, x2: 2, y2: 1)]),
            DetectionExample(key: "b", image: second, boxes: [LabeledBox(classIndex: 0, x1: 1, y1: 0.5, x2: 4, y2: 2),
                                                              LabeledBox(classIndex: 1, x1: 3, y1: 1, x2: 4, y2: 2)]),
        ]
        let images = Tensor()
        var targets: [DetectionTarget] = []
        try collate(examples, images: images, targets: &targets)
        XCTAssertEqual(images.shape, TensorShape(n: 2, h: 2, w: 4, c: 3))
        // Element (b, y, x, c) at ((b * 2 + y) * 4 + x) * 3 + c.
        XCTAssertEqual(images.pointer[((0 * 2 + 1) * 4 + 2) * 3 + 1], Float(first.pixel(2, 1)[1]) / 255)
        XCTAssertEqual(images.pointer[((1 * 2 + 1) * 4 + 3) * 3 + 2], 1)
        XCTAssertEqual(targets, [
            DetectionTarget(image: 0, classIndex: 3, x: 0.25, y: 0.25, w: 0.5, h: 0.5),
            DetectionTarget(image: 1, classIndex: 0, x: 0.625, y: 0.625, w: 0.75, h: 0.75),
            DetectionTarget(image: 1, classIndex: 1, x: 0.875, y: 0.75, w: 0.25, h: 0.5),
        ])
        // A second batch of the same shape reuses the tensor's storage and the targets' capacity.
        let storage = images.pointer
        try collate(Array(examples.prefix(1)), images: images, targets: &targets)
        XCTAssertEqual(images.pointer, storage)
        XCTAssertEqual(images.shape.n, 1)
        XCTAssertEqual(targets.count, 1)
    }

    func testClassificationBatchKeepsChannelsAndRejectsMixedSizes() throws {
        let examples = [ClassificationExample(key: "a", image: TestSupport.numbered(width: 3, height: 3, format: .grey), label: 4),
                        ClassificationExample(key: "b", image: Image(width: 3, height: 3, format: .grey, filledWith: 51), label: 9)]
        let images = Tensor()
        var labels: [Int] = [7]
        try collate(examples, images: images, labels: &labels)
        XCTAssertEqual(images.shape, TensorShape(n: 2, h: 3, w: 3, c: 1))
        XCTAssertEqual(images.pointer[9 + 4], 0.2)
        XCTAssertEqual(labels, [4, 9])
        let mixed = examples + [ClassificationExample(key: "odd", image: Image(width: 4, height: 3, format: .grey, filledWith: 0), label: 0)]
        TestSupport.assertThrows("sample 'odd' is 4x3 grey, but the batch's first image is 3x3 grey") {
            try collate(mixed, images: images, labels: &labels)
        }
        TestSupport.assertThrows("cannot collate an empty batch") { try collate([ClassificationExample](), images: images, labels: &labels) }
    }
}
