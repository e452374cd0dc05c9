import Foundation
import Tensor
import TestSupport
import XCTest

final class ActivationTests: XCTestCase {
    typealias Forward = (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    /// Checks forward against `reference` and backward against finite differences, for a count that is not a
    /// multiple of the vector width (so the tail path runs too), with and without accumulation.
    private func check(_ name: String, forward: Forward, reference: @escaping (Double) -> Double,
                       backward: (_ x: [Float], _ y: [Float], _ dy: [Float], _ dx: inout [Float], _ accumulate: Bool) -> Void) {
        var random = SeededRandom(seed: 21)
        let x = random.floats(37, -6, 6) + [0.5, -0.5, 20, -20], up = random.floats(41)
        var y = [Float](repeating: 0, count: x.count)
        withPointers(x) { forward($0, &y, x.count) }
        assertClose(y, x.map { reference(Double($0)) }, atol: 2e-7, rtol: 2e-6, name + " forward")
        var dx = [Float](repeating: 0, count: x.count)
        backward(x, y, up, &dx, false)
        let numeric = numericGradient(at: x.doubles) { weightedSum($0.map(reference), up) }
        assertGradientsMatch(dx, numeric, atol: 1e-5, rtol: 1e-4, name + " dinput")
        var accumulated = [Float](repeating: 1, count: x.count)
        backward(x, y, up, &accumulated, true)
        for i in x.indices { XCTAssertEqual(accumulated[i], dx[i] + 1, accuracy: 1e-6, name + " accumulate") }
    }

    func testSiLU() {
        check("silu", forward: { Activation.siluForward(input: $0, output: $1, count: $2) }, reference: { $0 * Reference.sigmoid($0) }) {
            x, _, dy, dx, acc in Activation.siluBackward(input: x, outputGradient: dy, inputGradient: &dx, count: x.count, accumulate: acc)
        }
    }

    func testReLU() {
        check("relu", forward: { Activation.reluForward(input: $0, output: $1, count: $2) }, reference: { max($0, 0) }) {
            x, _, dy, dx, acc in Activation.reluBackward(input: x, outputGradient: dy, inputGradient: &dx, count: x.count, accumulate: acc)
        }
    }

    func testSigmoid() {
        check("sigmoid", forward: { Activation.sigmoidForward(input: $0, output: $1, count: $2) }, reference: Reference.sigmoid) {
            _, y, dy, dx, acc in Activation.sigmoidBackward(output: y, outputGradient: dy, inputGradient: &dx, count: y.count, accumulate: acc)
        }
    }

    func testSigmoidSaturatesWithoutNaN() {
        let x: [Float] = [-1000, -90, -88, 88, 90, 1000, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var y = [Float](repeating: -1, count: x.count)
        Activation.sigmoidForward(input: x, output: &y, count: x.count)
        for (i, v) in y.enumerated() {
            XCTAssertFalse(v.isNaN, "sigmoid(\(x[i])) is NaN")
            XCTAssertTrue(x[i] < 0 ? v < 1e-37 : v == 1, "sigmoid(\(x[i])) = \(v)")
        }
    }

    func testResidualAddAndRouting() {
        var random = SeededRandom(seed: 22)
        let a = random.floats(19), b = random.floats(19)
        var sum = [Float](repeating: 0, count: 19)
        Elementwise.add(a, b, output: &sum, count: 19)
        XCTAssertEqual(sum, zip(a, b).map { $0 + $1 })
        var gradient = [Float](repeating: 2, count: 19)
        Elementwise.route(a, into: &gradient, count: 19, accumulate: true)
        XCTAssertEqual(gradient, a.map { $0 + 2 })
        Elementwise.route(b, into: &gradient, count: 19, accumulate: false)
        XCTAssertEqual(gradient, b)
    }
}
