import Augment
import Imaging
import Tensor
import XCTest
import Support

final class HSVTests: XCTestCase {
    func testConversionMatchesOpenCVValues() {
        // cv2.cvtColor(..., cv2.COLOR_RGB2HSV) on these pixels.
        let cases: [((UInt8, UInt8, UInt8), (UInt8, UInt8, UInt8))] = [
            ((255, 0, 0), (0, 255, 255)), ((0, 255, 0), (60, 255, 255)), ((0, 0, 255), (120, 255, 255)),
            ((255, 255, 0), (30, 255, 255)), ((255, 255, 255), (0, 0, 255)), ((0, 0, 0), (0, 0, 0)),
            ((128, 64, 32), (10, 191, 128)), ((255, 0, 1), (0, 255, 255)), ((10, 200, 180), (87, 242, 200)),
            ((3, 2, 1), (15, 170, 3)),
        ]
        for ((r, g, b), (h, s, v)) in cases {
            let hsv = HSV.fromRGB(red: r, green: g, blue: b)
            XCTAssertEqual([hsv.hue, hsv.saturation, hsv.value], [h, s, v], "RGB (\(r), \(g), \(b))")
        }
        // cv2.COLOR_HSV2RGB of those HSV values.
        let back: [((UInt8, UInt8, UInt8), [UInt8])] = [((10, 191, 128), [128, 64, 32]), ((0, 255, 255), [255, 0, 0]),
                                                        ((87, 242, 200), [10, 200, 181]), ((15, 170, 3), [3, 2, 1])]
        for ((h, s, v), rgb) in back {
            let converted = HSV.toRGB(hue: h, saturation: s, value: v)
            XCTAssertEqual([converted.red, converted.green, converted.blue], rgb, "HSV (\(h), \(s), \(v))")
        }
    }

    func testRoundTripStaysWithinHueQuantisation() {
        // Hue has 180 steps of 2 degrees: within a 60-degree sector the middle channel moves 255 / 30 levels per
        // step, so a saturated bright colour can come back several levels off. cv2 5.0 on this grid: worst 6, mean 1.24.
        var worst = 0, total = 0, count = 0
        for r in stride(from: 0, through: 255, by: 5) {
            for g in stride(from: 0, through: 255, by: 5) {
                for b in stride(from: 0, through: 255, by: 5) {
                    let hsv = HSV.fromRGB(red: UInt8(r), green: UInt8(g), blue: UInt8(b))
                    let rgb = HSV.toRGB(hue: hsv.hue, saturation: hsv.saturation, value: hsv.value)
                    let error = max(abs(Int(rgb.red) - r), abs(Int(rgb.green) - g), abs(Int(rgb.blue) - b))
                    worst = max(worst, error)
                    total += error
                    count += 1
                }
            }
        }
        XCTAssertLessThanOrEqual(worst, 5)
        XCTAssertLessThan(Double(total) / Double(count), 1.05)
        // Greys and primaries come back exactly.
        for level in [0, 1, 77, 128, 254, 255] {
            let hsv = HSV.fromRGB(red: UInt8(level), green: UInt8(level), blue: UInt8(level))
            let rgb = HSV.toRGB(hue: hsv.hue, saturation: hsv.saturation, value: hsv.value)
            XCTAssertEqual([rgb.red, rgb.green, rgb.blue], [UInt8(level), UInt8(level), UInt8(level)])
        }
    }

    func testZeroGainsAreTheIdentityAndDrawNothing() {
        let image = TestSupport.numbered(width: 17, height: 9)
        var random = SeededGenerator(seed: 3)
        XCTAssertEqual(HSVJitter(hue: 0, saturation: 0, value: 0).applied(to: image, random: &random), image)
        XCTAssertEqual(random, SeededGenerator(seed: 3))
    }

    func testJitterIsDeterministicAndMovesColours() {
        let image = TestSupport.numbered(width: 17, height: 9)
        var first = SeededGenerator(seed: 3), second = SeededGenerator(seed: 3), other = SeededGenerator(seed: 4)
        let jitter = HSVJitter()
        let a = jitter.applied(to: image, random: &first)
        XCTAssertEqual(jitter.applied(to: image, random: &second), a)
        XCTAssertNotEqual(jitter.applied(to: image, random: &other), a)
        XCTAssertNotEqual(a, image)
        // Value gain only: greys stay grey, scaled and truncated like numpy's LUT.
        let grey = Image(width: 2, height: 1, format: .rgb, pixels: [100, 100, 100, 200, 200, 200])
        var random = SeededGenerator(seed: 9)
        let brighter = HSVJitter(hue: 0, saturation: 0, value: 0.4).applied(to: grey, random: &random)
        var replay = SeededGenerator(seed: 9)
        _ = replay.uniform(-1, 1)
        _ = replay.uniform(-1, 1)
        let gain = 1 + Double(replay.uniform(-1, 1)) * 0.4
        let expected = [100.0, 200.0].map { UInt8(min($0 * gain, 255)) }
        XCTAssertEqual(brighter.pixels, [expected[0], expected[0], expected[0], expected[1], expected[1], expected[1]])
    }
}
