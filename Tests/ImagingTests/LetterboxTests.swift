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

    /// A source pixel lands at x * ratio + padX, y * ratio + padY in the letterboxed image
    /// (DetectionTests maps boxes back with the same geometry).
    func testPixelsMapForwardByRatioAndPadding() {
        var image = Image(width: 500, height: 338, format: .grey, filledWith: 0)
        image.fillRectangle(x0: 100, y0: 200, x1: 149, y1: 249, color: .white)
        let (boxed, box) = image.letterboxed(width: 640, height: 640)
        let x = Int(125 * box.ratio + box.padX), y = Int(225 * box.ratio + box.padY)
        XCTAssertEqual([x, y], [160, 391])
        XCTAssertEqual(boxed.pixels[y * 640 + x], 255)
        XCTAssertEqual(boxed.pixels[Int(225 * box.ratio + box.padY) * 640 + Int(90 * box.ratio + box.padX)], 0)
        XCTAssertEqual(boxed.pixels[Int(260 * box.ratio + box.padY) * 640 + x], 0)
    }
}
