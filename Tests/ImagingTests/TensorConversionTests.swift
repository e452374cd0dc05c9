import Imaging
import XCTest

final class TensorConversionTests: XCTestCase {
    func testBatchIsNHWCOverTwoFiftyFive() {
        let first = ImagingFixtures.gradientImage(width: 5, height: 3)
        let second = Image(width: 5, height: 3, format: .rgb, filledWith: 255)
        var tensor = [Float](repeating: -1, count: 2 * 3 * 5 * 3)
        tensor.withUnsafeMutableBufferPointer { Image.writeNormalizedBatch([first, second], into: $0.baseAddress!) }
        for y in 0..<3 {
            for x in 0..<5 {
                for c in 0..<3 {
                    XCTAssertEqual(tensor[((0 * 3 + y) * 5 + x) * 3 + c], Float(first.pixels[(y * 5 + x) * 3 + c]) / 255)
                    XCTAssertEqual(tensor[((1 * 3 + y) * 5 + x) * 3 + c], 1)
                }
            }
        }
    }

    func testGreyImageWritesOneChannel() {
        let image = Image(width: 2, height: 1, format: .grey, pixels: [0, 51])
        var tensor = [Float](repeating: -1, count: 3)
        tensor.withUnsafeMutableBufferPointer { image.writeNormalized(into: $0.baseAddress!) }
        XCTAssertEqual(tensor, [0, 0.2, -1])
    }
}
