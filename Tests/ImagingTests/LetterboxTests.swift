import Detection
import Imaging
import XCTest

final class LetterboxTests: XCTestCase {
    func testLandscapeIntoSquare() {
        let box = Letterbox(sourceWidth: 500, sourceHeight: 375, targetWidth: 640, targetHeight: 640)
        XCTAssertEqual(box.ratio, 1.28)
        XCTAssertEqual([box.resizedWidth, box.resizedHeight], [640, 480])
        XCTAssertEqual([box.left, box.top, box.right, box.bottom], [0, 80, 0, 80])
        XCTAssertEqual([box.padX, box.padY], [0, 80])
        XCTAssertEqual([box.width, box.height], [640, 640])
    }

    /// An odd total padding splits with round(dh - 0.1) above and round(dh + 0.1) below.
    func testOddPaddingSplit() {
        let box = Letterbox(sourceWidth: 500, sourceHeight: 338, targetWidth: 640, targetHeight: 640)
        XCTAssertEqual([box.resizedWidth, box.resizedHeight], [640, 433])  // round(432.64)
        XCTAssertEqual(box.padY, 103.5)
        XCTAssertEqual([box.top, box.bottom], [103, 104])
        XCTAssertEqual(box.height, 640)
    }

    /// auto pads only to the next multiple of the stride (val.py's rectangular batches, detect.py's default).
    func testAutoMinimumRectangle() {
        let box = Letterbox(sourceWidth: 500, sourceHeight: 338, targetWidth: 640, targetHeight: 640, auto: true)
        XCTAssertEqual(box.padY, 7.5)  // 207 % 32 = 15
        XCTAssertEqual([box.top, box.bottom, box.left, box.right], [7, 8, 0, 0])
        XCTAssertEqual([box.width, box.height], [640, 448])
    }

    func testScaleUpOffKeepsSmallImagesAtSize() {
        let box = Letterbox(sourceWidth: 100, sourceHeight: 50, targetWidth: 640, targetHeight: 640, scaleUp: false)
        XCTAssertEqual(box.ratio, 1)
        XCTAssertEqual([box.resizedWidth, box.resizedHeight, box.left, box.right, box.top, box.bottom], [100, 50, 270, 270, 295, 295])
    }

    func testLetterboxedImagePadsWithGrey() {
        let image = Image(width: 500, height: 375, format: .rgb, filledWith: 10)
        let (boxed, geometry) = image.letterboxed(width: 640, height: 640)
        XCTAssertEqual([boxed.width, boxed.height], [640, 640])
        func pixel(_ x: Int, _ y: Int) -> UInt8 { boxed.pixels[(y * 640 + x) * 3] }
        XCTAssertEqual([pixel(0, 0), pixel(639, 79), pixel(0, 560), pixel(639, 639)], [114, 114, 114, 114])
        XCTAssertEqual([pixel(0, 80), pixel(639, 559), pixel(320, 320)], [10, 10, 10])
        XCTAssertEqual(geometry, Letterbox(sourceWidth: 500, sourceHeight: 375, targetWidth: 640, targetHeight: 640))
    }

    /// A box mapped into the letterbox (x * ratio + pad) comes back through scaleBoxes, clipped to the image.
    func testBoxMapsForwardAndBack() {
        let box = Letterbox(sourceWidth: 500, sourceHeight: 338, targetWidth: 640, targetHeight: 640)
        let original: [Float] = [48, 240, 195, 371 - 33]  // x1, y1, x2, y2 in the 500x338 image
        let forward = DetectionBox(x1: original[0] * Float(box.ratio) + Float(box.padX),
                                   y1: original[1] * Float(box.ratio) + Float(box.padY),
                                   x2: original[2] * Float(box.ratio) + Float(box.padX),
                                   y2: original[3] * Float(box.ratio) + Float(box.padY), score: 0.9, classIndex: 3)
        XCTAssertEqual(forward.y1, 240 * 1.28 + 103.5, accuracy: 1e-4)
        let back = scaleBoxes([forward], gain: box.ratio, padX: box.padX, padY: box.padY, imageWidth: 500, imageHeight: 338)[0]
        for (value, expected) in zip([back.x1, back.y1, back.x2, back.y2], original) {
            XCTAssertEqual(value, expected, accuracy: 1e-3)
        }
        XCTAssertEqual([back.score, Float(back.classIndex)], [0.9, 3])
        let outside = DetectionBox(x1: -20, y1: 50, x2: 700, y2: 630, score: 0.5, classIndex: 0)
        let clipped = scaleBoxes([outside], gain: box.ratio, padX: box.padX, padY: box.padY, imageWidth: 500, imageHeight: 338)[0]
        XCTAssertEqual([clipped.x1, clipped.y1, clipped.x2, clipped.y2], [0, 0, 500, 338])
    }
}
