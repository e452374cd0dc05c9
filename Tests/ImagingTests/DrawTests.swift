import Imaging
import XCTest

final class DrawTests: XCTestCase {
    func testStrokeRectangleDrawsInsideTheBox() {
        var image = Image(width: 10, height: 10, format: .grey, filledWith: 0)
        image.strokeRectangle(x0: 2, y0: 3, x1: 7, y1: 8, color: .white, lineWidth: 2)
        func at(_ x: Int, _ y: Int) -> UInt8 { image.pixels[y * 10 + x] }
        XCTAssertEqual([at(2, 3), at(7, 8), at(3, 4), at(6, 7), at(5, 3), at(2, 6)], [255, 255, 255, 255, 255, 255])
        XCTAssertEqual([at(4, 5), at(5, 6), at(1, 3), at(8, 8), at(2, 9)], [0, 0, 0, 0, 0])
    }

    func testShapesAreClippedToTheImage() {
        var image = Image(width: 4, height: 4, format: .rgb, filledWith: 0)
        image.fillRectangle(x0: -5, y0: 2, x1: 100, y1: 100, color: RGBColor(red: 1, green: 2, blue: 3))
        XCTAssertEqual(Array(image.pixels[0..<24]), [UInt8](repeating: 0, count: 24))
        XCTAssertEqual(Array(image.pixels[24..<27]), [1, 2, 3])
        image.drawLabeledBox(x0: -10, y0: -10, x1: 50, y1: 50, label: "clipped", color: .white)
    }

    func testTextUsesKnownGlyphsAndStaysInItsBox() {
        let label = "person 0.87 traffic_light-2 ABZ"
        let size = Image.textSize(label, scale: 1)
        XCTAssertEqual(size.width, label.count * 6 - 1)
        XCTAssertEqual(size.height, 7)
        var image = Image(width: size.width + 4, height: 11, format: .grey, filledWith: 0)
        image.drawText(label, x: 2, y: 2, color: .white, scale: 1)
        for y in 0..<11 {
            for x in 0..<image.width where image.pixels[y * image.width + x] != 0 {
                XCTAssertTrue((2..<2 + size.width).contains(x) && (2..<9).contains(y), "ink at \(x), \(y)")
            }
        }
        // Every character of the label has a glyph of its own: none draws like the '?' fallback.
        func rendering(_ text: String) -> [UInt8] {
            var glyph = Image(width: 5, height: 7, format: .grey, filledWith: 0)
            glyph.drawText(text, x: 0, y: 0, color: .white, scale: 1)
            return glyph.pixels
        }
        for character in Set(label + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_") where character != " " {
            XCTAssertNotEqual(rendering(String(character)), rendering("?"), "glyph for '\(character)'")
        }
        XCTAssertEqual(rendering("~"), rendering("?"))
    }

    func testLabelSitsAboveTheBoxOrInsideAtTheTop() {
        let color = RGBColor.forClass(0)
        var image = Image(width: 120, height: 80, format: .rgb, filledWith: 0)
        image.drawLabeledBox(x0: 10, y0: 40, x1: 100, y1: 70, label: "person 0.87", color: color, lineWidth: 1, fontScale: 1)
        func rgb(_ x: Int, _ y: Int) -> RGBColor {
            let i = (y * 120 + x) * 3
            return RGBColor(red: image.pixels[i], green: image.pixels[i + 1], blue: image.pixels[i + 2])
        }
        // Label box 9 pixels tall (7 + 2 x 1 margin) ending just above y0: background at its corner, white text inside.
        XCTAssertEqual(rgb(10, 31), color)
        XCTAssertEqual(rgb(10, 30), .black)
        XCTAssertTrue((32..<39).contains { y in (11..<75).contains { rgb($0, y) == .white } })
        var top = Image(width: 120, height: 80, format: .rgb, filledWith: 0)
        top.drawLabeledBox(x0: 10, y0: 2, x1: 100, y1: 70, label: "cat", color: color, lineWidth: 1, fontScale: 1)
        XCTAssertEqual(Array(top.pixels[((2 * 120) + 10) * 3..<((2 * 120) + 10) * 3 + 3]), [color.red, color.green, color.blue])
    }

    func testClassColoursAreDeterministicAndCycle() {
        XCTAssertEqual(RGBColor.forClass(0), RGBColor(red: 0xFF, green: 0x38, blue: 0x38))
        XCTAssertEqual(RGBColor.forClass(21), RGBColor.forClass(1))
        XCTAssertNotEqual(RGBColor.forClass(1), RGBColor.forClass(2))
    }
}
