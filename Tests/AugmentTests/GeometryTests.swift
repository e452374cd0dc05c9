import Augment
import Imaging
import Tensor
import XCTest
import Support

/// random_perspective's matrix, warp and box step on cases computed by hand.
final class GeometryTests: XCTestCase {
    private let red = RGBColor(red: 250, green: 10, blue: 10)
    private let box = LabeledBox(classIndex: 2, x1: 40, y1: 30, x2: 60, y2: 50)

    func testZeroRangesDrawTheIdentityAndLeaveImageAndBoxesAlone() {
        let image = TestSupport.numbered(width: 100, height: 80)
        var random = SeededGenerator(seed: 1)
        let parameters = RandomPerspective(degrees: 0, translate: 0, scale: 0, shear: 0, perspective: 0).draw(&random)
        XCTAssertEqual(parameters, PerspectiveParameters())
        XCTAssertEqual(parameters.transform(inputWidth: 100, inputHeight: 80, outputWidth: 100, outputHeight: 80), .identity)
        let (output, boxes) = parameters.apply(to: image, boxes: [box], outputWidth: 100, outputHeight: 80)
        XCTAssertEqual(output, image)
        XCTAssertEqual(boxes, [box])
        XCTAssertEqual(image.warped(by: .identity, width: 100, height: 80, fill: 114), image, "the identity warp resamples exactly")
    }

    func testPureTranslationMovesPixelsAndBoxesByTheOffset() {
        let image = TestSupport.numbered(width: 100, height: 80)
        // The centre (50, 40) goes to 0.53 * 100 = 53 and 0.45 * 80 = 36: a shift of (3, -4).
        let parameters = PerspectiveParameters(translationX: 0.53, translationY: 0.45)
        let (output, boxes) = parameters.apply(to: image, boxes: [box], outputWidth: 100, outputHeight: 80)
        for (x, y) in [(3, 0), (50, 40), (99, 75), (10, 20)] { XCTAssertEqual(output.pixel(x, y), image.pixel(x - 3, y + 4)) }
        XCTAssertEqual(output.pixel(2, 10), [114, 114, 114], "uncovered pixels take the fill")
        XCTAssertEqual(output.pixel(20, 77), [114, 114, 114])
        XCTAssertEqual(boxes.count, 1)
        TestSupport.assertBox(boxes[0], LabeledBox(classIndex: 2, x1: 43, y1: 26, x2: 63, y2: 46), accuracy: 1e-4)
    }

    func testPureScaleAboutTheCentreScalesBoxesAndSamplesExactly() {
        let image = TestSupport.numbered(width: 100, height: 80)
        let (output, boxes) = PerspectiveParameters(scale: 2).apply(to: image, boxes: [box], outputWidth: 100, outputHeight: 80)
        // (x, y) -> (2 (x - 50) + 50, 2 (y - 40) + 40); output pixels at even offsets from the centre sample one source pixel.
        for (x, y) in [(50, 40), (52, 44), (30, 20), (0, 0), (98, 78)] {
            XCTAssertEqual(output.pixel(x, y), image.pixel((x - 50) / 2 + 50, (y - 40) / 2 + 40), "pixel (\(x), \(y))")
        }
        TestSupport.assertBox(boxes[0], LabeledBox(classIndex: 2, x1: 30, y1: 20, x2: 70, y2: 60))
        // Half size: a box near the edge keeps its place relative to the centre, and the border fills.
        let (half, halfBoxes) = PerspectiveParameters(scale: 0.5).apply(to: image, boxes: [box], outputWidth: 100, outputHeight: 80)
        XCTAssertEqual(half.pixel(0, 0), [114, 114, 114])
        TestSupport.assertBox(halfBoxes[0], LabeledBox(classIndex: 2, x1: 45, y1: 35, x2: 55, y2: 45))
    }

    func testBoxStepClipsAndDropsWhatBoxCandidatesRejects() {
        let boxes = [
            LabeledBox(classIndex: 0, x1: 90, y1: 10, x2: 99, y2: 30),   // shifted 8 right, clipped to 98...100: 2 px is not over 2
            LabeledBox(classIndex: 1, x1: 80, y1: 10, x2: 95, y2: 30),   // clipped to 88...100: kept
            LabeledBox(classIndex: 2, x1: 10, y1: 10, x2: 12.5, y2: 30), // 2.5 px wide: kept
            LabeledBox(classIndex: 3, x1: 10, y1: 40, x2: 11.5, y2: 60), // 1.5 px wide: dropped
            LabeledBox(classIndex: 4, x1: 10, y1: 10, x2: 60, y2: 12.1), // aspect 50 / 2.1 over 20: dropped
        ]
        let moved = ProjectiveTransform.translation(x: 8, y: 0).moveBoxes(boxes, scale: 1, width: 100, height: 80)
        XCTAssertEqual(moved.map(\.classIndex), [1, 2])
        TestSupport.assertBox(moved[0], LabeledBox(classIndex: 1, x1: 88, y1: 10, x2: 100, y2: 30))
        // A 50x50 box cut to 3 rows keeps 6% of its area (dropped), cut to 6 rows 12% (kept); with scale 2 the
        // original counts four times as large, so 12% of the area becomes 3% (dropped).
        let square = [LabeledBox(classIndex: 0, x1: 10, y1: 10, x2: 60, y2: 60)]
        XCTAssertEqual(ProjectiveTransform.translation(x: 0, y: -57).moveBoxes(square, scale: 1, width: 100, height: 80), [])
        XCTAssertEqual(ProjectiveTransform.translation(x: 0, y: -54).moveBoxes(square, scale: 1, width: 100, height: 80).count, 1)
        XCTAssertEqual(ProjectiveTransform.translation(x: 0, y: -54).moveBoxes(square, scale: 2, width: 100, height: 80), [])
    }

    func testComposedTransformMatchesItsFactorsAndItsInverse() {
        let parameters = PerspectiveParameters(degrees: 30, scale: 1.2, shearX: 5, shearY: -3, perspectiveX: 1e-4, perspectiveY: -2e-4,
                                               translationX: 0.4, translationY: 0.6)
        let transform = parameters.transform(inputWidth: 200, inputHeight: 100, outputWidth: 100, outputHeight: 100)
        XCTAssertFalse(transform.isAffine)
        let roundTrip = transform.inverse * transform
        for (x, y) in [(0.0, 0.0), (37.0, 81.0), (199.0, 99.0)] {
            let back = roundTrip.apply(x: x, y: y)
            XCTAssertEqual(back.x, x, accuracy: 1e-9)
            XCTAssertEqual(back.y, y, accuracy: 1e-9)
        }
        // The input centre lands at (translationX, translationY) of the output: perspective and rotation fix the origin.
        let centre = transform.apply(x: 100, y: 50)
        XCTAssertEqual(centre.x, 40, accuracy: 1e-9)
        XCTAssertEqual(centre.y, 60, accuracy: 1e-9)
        // cv2.getRotationMatrix2D: +90 degrees takes the x axis to -y (counter-clockwise on screen).
        let quarter = ProjectiveTransform.rotation(degrees: 90, scale: 1).apply(x: 1, y: 0)
        XCTAssertEqual(quarter.x, 0, accuracy: 1e-12)
        XCTAssertEqual(quarter.y, -1, accuracy: 1e-12)
    }

    func testFlipsMirrorPixelsAndBoxesExactly() {
        let image = TestSupport.picture(width: 10, height: 6, background: .black, rectangles: [(x0: 1, y0: 2, x1: 3, y1: 4, color: red)])
        let flipped = image.flippedLeftRight()
        for y in 0..<6 { for x in 0..<10 { XCTAssertEqual(flipped.pixel(x, y), image.pixel(9 - x, y)) } }
        let upDown = image.flippedUpDown()
        for y in 0..<6 { for x in 0..<10 { XCTAssertEqual(upDown.pixel(x, y), image.pixel(x, 5 - y)) } }
        // The box (1, 2)-(4, 5) in corner coordinates covers pixels 1...3, 2...4; mirrored it covers 6...8, 1...3.
        let box = LabeledBox(classIndex: 0, x1: 1, y1: 2, x2: 4, y2: 5)
        XCTAssertEqual(box.flippedLeftRight(width: 10), LabeledBox(classIndex: 0, x1: 6, y1: 2, x2: 9, y2: 5))
        XCTAssertEqual(box.flippedUpDown(height: 6), LabeledBox(classIndex: 0, x1: 1, y1: 1, x2: 4, y2: 4))
        XCTAssertEqual(flipped.pixel(6, 2), [red.red, red.green, red.blue])
        XCTAssertEqual(flipped.pixel(5, 2), [0, 0, 0])
        XCTAssertEqual(flipped.flippedLeftRight(), image)
    }
}
