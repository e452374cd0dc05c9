import Foundation
import Imaging
import Plots
import Support
import XCTest

/// YOLOv5's plot_images layout: a square grid filled column by column, scaled to the size limit, boxes in class
/// colours with names (and scores above 0.25), rendered by librsvg.
final class BatchPictureTests: XCTestCase {
    private let grey = Image(width: 100, height: 100, format: .rgb, filledWith: 128)

    func testTilesFillColumnsAndBoxesTakeTheirClassColour() throws {
        let boxed = BatchPicture.Tile(image: grey, name: "second", boxes: [(classIndex: 2, x1: 20, y1: 30, x2: 60, y2: 80, score: nil)])
        let tiles = [BatchPicture.Tile(image: grey, name: "first", boxes: []), boxed, BatchPicture.Tile(image: grey, name: "third", boxes: [])]
        let svg = try BatchPicture.svg(tiles, classNames: ["a", "b", "c"])
        XCTAssertTrue(svg.contains("width=\"200\" height=\"200\""), "3 tiles: a 2 x 2 grid of 100 px tiles")
        // Tile 1 is the second of the first column: its box is at y 100 + 30.
        let colour = RGBColor.forClass(2)
        XCTAssertTrue(svg.contains("<rect x=\"20.0\" y=\"130.0\" width=\"40.0\" height=\"50.0\" fill=\"none\" stroke=\"rgb(\(colour.red),\(colour.green),\(colour.blue))\""), svg)
        XCTAssertTrue(svg.contains(">c</text>"), "the class name")
        XCTAssertTrue(svg.contains(">second</text>"), "the sample's name")

        let png = try Image(decoding: PNGRendering.png(svg: svg), name: "picture")
        XCTAssertEqual([png.width, png.height], [200, 200])
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(png.pixels[((y * 200 + x) * 3)..<((y * 200 + x) * 3 + 3)]) }
        XCTAssertEqual(pixel(150, 150), [255, 255, 255], "the fourth cell stays white")
        XCTAssertEqual(pixel(50, 60), [128, 128, 128], "tile 0's pixels")
        let edge = pixel(40, 130)
        XCTAssertTrue(zip(edge, [colour.red, colour.green, colour.blue]).allSatisfy { abs(Int($0) - Int($1)) < 80 }, "the box's top edge: \(edge)")
    }

    func testLowScoresAreLeftOutAndTheLimitScalesTiles() throws {
        let scored = BatchPicture.Tile(image: grey, name: "", boxes: [(classIndex: 0, x1: 10, y1: 10, x2: 90, y2: 90, score: 0.2),
                                                                      (classIndex: 1, x1: 10, y1: 10, x2: 50, y2: 50, score: 0.9)])
        let svg = try BatchPicture.svg([scored], classNames: ["low", "high"], maxSize: 50)
        XCTAssertTrue(svg.contains("width=\"50\" height=\"50\""))
        XCTAssertFalse(svg.contains(">low"), "a 0.2 score is not drawn")
        XCTAssertTrue(svg.contains(">high 0.9</text>"))
        XCTAssertTrue(svg.contains("<rect x=\"5.0\" y=\"5.0\" width=\"20.0\" height=\"20.0\""), "boxes scaled with the tile")
    }
}
