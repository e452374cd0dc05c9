import Augment
import Foundation
import Imaging
import Shards
import XCTest

/// Builders shared by the augmentation tests.
enum TestSupport {
    /// A `width` x `height` RGB image of `background` with `rectangles` (inclusive pixel corners) filled.
    static func picture(width: Int, height: Int, background: RGBColor,
                        rectangles: [(x0: Int, y0: Int, x1: Int, y1: Int, color: RGBColor)] = []) -> Image {
        var image = Image(width: width, height: height, format: .rgb, filledWith: 0)
        image.fillRectangle(x0: 0, y0: 0, x1: width - 1, y1: height - 1, color: background)
        for r in rectangles { image.fillRectangle(x0: r.x0, y0: r.y0, x1: r.x1, y1: r.y1, color: r.color) }
        return image
    }

    /// A picture whose every byte differs from its neighbours': value (y * width + x) * channels + k, mod 251.
    static func numbered(width: Int, height: Int, format: PixelFormat = .rgb) -> Image {
        Image(width: width, height: height, format: format, pixels: (0..<width * height * format.channels).map { UInt8($0 % 251) })
    }

    /// A detection shard sample: a PNG image and a `.json` label with `boxes` rows [x, y, w, h, class] plus
    /// `extra` JSON text spliced into the object.
    static func detectionSample(key: String, image: Image, boxes: [[Double]], extra: String = "") -> ShardSample {
        let rows = boxes.map { "[" + $0.map { String($0) }.joined(separator: ",") + "]" }.joined(separator: ",")
        let json = "{\"width\":\(image.width),\"height\":\(image.height),\"boxes\":[\(rows)]\(extra)}"
        return ShardSample(key: key, members: ["png": try! image.pngData(), "json": Array(json.utf8)])
    }

    /// Asserts that `body` throws an error whose description is `expected` (or starts with it, when `prefix` is set).
    static func assertThrows<T>(_ expected: String, prefix: Bool = false, file: StaticString = #filePath, line: UInt = #line,
                                _ body: () throws -> T) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            if prefix {
                XCTAssertTrue("\(error)".hasPrefix(expected), "'\(error)' does not start with '\(expected)'", file: file, line: line)
            } else {
                XCTAssertEqual("\(error)", expected, file: file, line: line)
            }
        }
    }

    /// Asserts two boxes are equal within `accuracy` pixels per corner.
    static func assertBox(_ box: LabeledBox, _ expected: LabeledBox, accuracy: Float = 1e-3, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(box.classIndex, expected.classIndex, file: file, line: line)
        for (a, b) in [(box.x1, expected.x1), (box.y1, expected.y1), (box.x2, expected.x2), (box.y2, expected.y2)] {
            XCTAssertEqual(a, b, accuracy: accuracy, "\(box) vs \(expected)", file: file, line: line)
        }
    }
}

extension Image {
    /// Channel values of pixel (x, y).
    func pixel(_ x: Int, _ y: Int) -> [UInt8] {
        Array(pixels[(y * width + x) * channels..<(y * width + x + 1) * channels])
    }
}
