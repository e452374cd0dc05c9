import Foundation
import Tensor
import TestSupport
import XCTest

final class LayoutOpsTests: XCTestCase {
    /// The SPD example the reference implementation produced (reference.json): input arange(32) as 1x2x4x4 NCHW.
    func testSpaceToDepthMatchesReferenceExample() throws {
        let data = try Data(contentsOf: TestFixtures.url("reference/yolov5-spd-n/reference.json"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let inputNCHW = try XCTUnwrap(json["spd_input_1x2x4x4_arange"] as? [Double]).map(Float.init)
        let expectedNCHW = try XCTUnwrap(json["spd_output_1x8x2x2"] as? [Double]).map(Float.init)
        let s = TensorShape(n: 1, h: 4, w: 4, c: 2)
        let o = try SpaceToDepth.outputShape(for: s, layer: "model.2")
        XCTAssertEqual(o, TensorShape(n: 1, h: 2, w: 2, c: 8))
        let input = nchwToNHWC(inputNCHW, s)
        var output = [Float](repeating: 0, count: o.count)
        SpaceToDepth.forward(input: input, inputShape: s, output: &output)
        XCTAssertEqual(nhwcToNCHW(output, o), expectedNCHW)
    }

    func testSpaceToDepthGradient() throws {
        let s = TensorShape(n: 2, h: 4, w: 6, c: 3)
        var random = SeededRandom(seed: 31)
        let x = random.floats(s.count), up = random.floats(s.count)
        var dx = [Float](repeating: 0, count: s.count)
        SpaceToDepth.backward(outputGradient: up, inputShape: s, inputGradient: &dx, accumulate: false)
        assertGradientsMatch(dx, numericGradient(at: x.doubles) { weightedSum(Reference.spaceToDepth($0, s), up) }, "spd dinput")
        var output = [Float](repeating: 0, count: s.count)
        SpaceToDepth.forward(input: x, inputShape: s, output: &output)
        assertClose(output, Reference.spaceToDepth(x.doubles, s), atol: 0, rtol: 0, "spd forward")
    }

    func testSpaceToDepthRejectsOddSizesNamingLayer() {
        for bad in [TensorShape(n: 1, h: 7, w: 8, c: 3), TensorShape(n: 1, h: 8, w: 13, c: 3)] {
            XCTAssertThrowsError(try SpaceToDepth.outputShape(for: bad, layer: "model.5 (space_to_depth)")) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("model.5 (space_to_depth): shape error"), message)
                XCTAssertTrue(message.contains("\(bad)"), message)
                XCTAssertTrue(message.contains("even"), message)
            }
        }
    }

    func testUpsampleForwardAndGradient() {
        let s = TensorShape(n: 2, h: 3, w: 2, c: 3)
        var random = SeededRandom(seed: 32)
        let x = random.floats(s.count), up = random.floats(4 * s.count)
        var output = [Float](repeating: 0, count: 4 * s.count), dx = [Float](repeating: 0.5, count: s.count)
        Upsample.forward(input: x, inputShape: s, output: &output)
        assertClose(output, Reference.upsample(x.doubles, s), atol: 0, rtol: 0, "upsample forward")
        Upsample.backward(outputGradient: up, inputShape: s, inputGradient: &dx, accumulate: false)
        assertGradientsMatch(dx, numericGradient(at: x.doubles) { weightedSum(Reference.upsample($0, s), up) }, "upsample dinput")
    }

    func testConcatForwardAndBackward() {
        let pixels = 5, c1 = 2, c2 = 3
        let a = (0..<pixels * c1).map(Float.init), b = (0..<pixels * c2).map { Float(100 + $0) }
        var output = [Float](repeating: 0, count: pixels * (c1 + c2))
        Concat.forward(input: a, channels: c1, pixels: pixels, output: &output, totalChannels: c1 + c2, offset: 0)
        Concat.forward(input: b, channels: c2, pixels: pixels, output: &output, totalChannels: c1 + c2, offset: c1)
        XCTAssertEqual(Array(output[0..<10]), [0, 1, 100, 101, 102, 2, 3, 103, 104, 105])
        var da = [Float](repeating: 1, count: a.count), db = [Float](repeating: 0, count: b.count)
        Concat.backward(outputGradient: output, totalChannels: c1 + c2, offset: 0, channels: c1, pixels: pixels, inputGradient: &da, accumulate: true)
        Concat.backward(outputGradient: output, totalChannels: c1 + c2, offset: c1, channels: c2, pixels: pixels, inputGradient: &db, accumulate: false)
        XCTAssertEqual(da, a.map { $0 + 1 })
        XCTAssertEqual(db, b)
    }
}

func nchwToNHWC(_ v: [Float], _ s: TensorShape) -> [Float] {
    var out = v
    for b in 0..<s.n { for c in 0..<s.c { for y in 0..<s.h { for x in 0..<s.w {
        out[Reference.index(s, b, y, x, c)] = v[((b * s.c + c) * s.h + y) * s.w + x]
    } } } }
    return out
}

func nhwcToNCHW(_ v: [Float], _ s: TensorShape) -> [Float] {
    var out = v
    for b in 0..<s.n { for c in 0..<s.c { for y in 0..<s.h { for x in 0..<s.w {
        out[((b * s.c + c) * s.h + y) * s.w + x] = v[Reference.index(s, b, y, x, c)]
    } } } }
    return out
}
