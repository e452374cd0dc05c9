import Imaging
import XCTest

final class ResizeTests: XCTestCase {
    /// cv2.resize(np.array([[0, 255]], np.uint8), (4, 1), interpolation=cv2.INTER_LINEAR) == [[0, 64, 191, 255]].
    func testHalfPixelCentresMatchOpenCV() {
        let row = Image(width: 2, height: 1, format: .grey, pixels: [0, 255])
        XCTAssertEqual(row.resized(width: 4, height: 1).pixels, [0, 64, 191, 255])
        let column = Image(width: 1, height: 2, format: .grey, pixels: [0, 255])
        XCTAssertEqual(column.resized(width: 1, height: 4).pixels, [0, 64, 191, 255])
    }

    func testConstantImageStaysConstant() {
        let image = Image(width: 13, height: 7, format: .rgb, filledWith: 77)
        let resized = image.resized(width: 31, height: 5)
        XCTAssertEqual([resized.width, resized.height, resized.channels], [31, 5, 3])
        XCTAssertEqual(Set(resized.pixels), [77])
    }

    func testHalvingAveragesPairsLikeArea() {
        let image = ImagingFixtures.gradientImage(width: 40, height: 30)
        let bilinear = image.resized(width: 20, height: 15)
        let area = image.areaDownsampled(by: 2)
        XCTAssertEqual([area.width, area.height], [20, 15])
        let maxDifference = zip(bilinear.pixels, area.pixels).map { abs(Int($0) - Int($1)) }.max()!
        XCTAssertLessThanOrEqual(maxDifference, 1)
    }

    func testAreaDownsampleRoundsBlockMeansAndDropsEdges() {
        let image = Image(width: 5, height: 3, format: .grey, pixels: [
            0, 1, 10, 20, 99,
            2, 2, 30, 41, 99,
            99, 99, 99, 99, 99,
        ])
        XCTAssertEqual(image.areaDownsampled(by: 2), Image(width: 2, height: 1, format: .grey, pixels: [1, 25]))
    }

    func testSameSizeIsIdentity() {
        let image = ImagingFixtures.gradientImage(width: 9, height: 4)
        XCTAssertEqual(image.resized(width: 9, height: 4), image)
    }
}
