import Foundation
import Imaging
import TestSupport
import XCTest

/// Paths and helpers shared by the imaging tests.
enum ImagingFixtures {
    /// Tests/Fixtures, the repository's fixture photos (an error when it is absent).
    static func fixturesDirectory() throws -> URL {
        try TestFixtures.url("coco-labelme-voc").deletingLastPathComponent()
    }

    /// A fresh empty directory, removed when the test ends.
    static func temporaryDirectory(for test: XCTestCase) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    /// A deterministic test picture: smooth gradients plus a few hard edges.
    static func gradientImage(width: Int, height: Int, format: PixelFormat = .rgb) -> Image {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let edge: Int = (x / 8 + y / 8) % 2 == 0 ? 40 : 0
                let values = [x * 255 / max(width - 1, 1), y * 255 / max(height - 1, 1), (x + y) * 127 / max(width + height - 2, 1) + edge]
                pixels += values.prefix(format.channels).map { UInt8(min($0, 255)) }
            }
        }
        return Image(width: width, height: height, format: format, pixels: pixels)
    }

    /// Asserts that `body` throws an `ImageError` whose description is `expected`
    /// (or starts with it, when `prefix` is set).
    static func assertImageError(_ expected: String, prefix: Bool = false, file: StaticString = #filePath,
                                 line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected error '\(expected)'", file: file, line: line)
        } catch let error as ImageError {
            let message = error.description
            XCTAssertTrue(prefix ? message.hasPrefix(expected) : message == expected,
                          "got '\(message)', expected '\(expected)'\(prefix ? "..." : "")", file: file, line: line)
        } catch {
            XCTFail("expected an ImageError, got \(error)", file: file, line: line)
        }
    }
}
