import Imaging
import XCTest

/// YOLOv5's plot_images layout: a square grid filled column by column, scaled to the size limit, boxes in class colours.
final class BatchPictureTests: XCTestCase {
    private func pixel(_ image: Image, _ x: Int, _ y: Int) -> [UInt8] { Array(image.pixels[((y * image.width + x) * 3)..<((y * image.width + x) * 3 + 3)]) }

    func testTilesFillColumnsAndBoxesTakeTheirClassColour() {
        let grey = Image(width: 100, height: 100, format: .rgb, filledWith: 128)
        let tiles = (0..<3).map { i in
            BatchPicture.Tile(image: grey, name: "", boxes: i == 1 ? [(classIndex: 2, x1: 20, y1: 30, x2: 60, y2: 80, score: nil)] : [])
        }
        let picture = BatchPicture.draw(tiles, classNames: ["a", "b", "c"])
        XCTAssertEqual([picture.width, picture.height], [200, 200], "3 tiles: a 2 x 2 grid of 100 px tiles")
        // Tile 1 is the second of the first column: its box's left edge at x 20, y 100 + 55 has the class colour.
        let colour = RGBColor.forClass(2)
        XCTAssertEqual(pixel(picture, 20, 155), [colour.red, colour.green, colour.blue])
        XCTAssertEqual(pixel(picture, 150, 150), [255, 255, 255], "the fourth cell stays white")
        XCTAssertEqual(pixel(picture, 50, 50), [128, 128, 128], "tile 0 unboxed")

        // Predictions at or below 0.25 are left out; the limit scales tiles down.
        let scored = BatchPicture.Tile(image: grey, name: "", boxes: [(classIndex: 0, x1: 10, y1: 10, x2: 90, y2: 90, score: 0.2)])
        let small = BatchPicture.draw([scored], classNames: [], maxSize: 50)
        XCTAssertEqual([small.width, small.height], [50, 50])
        XCTAssertEqual(pixel(small, 25, 25), [128, 128, 128])
        XCTAssertEqual(pixel(small, 5, 25), [128, 128, 128], "no box drawn for a 0.2 score")
    }
}
