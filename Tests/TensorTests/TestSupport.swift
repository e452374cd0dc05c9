import Foundation
import Tensor
import XCTest

/// Central finite differences in Double of a scalar function at x.
func numericGradient(at x: [Double], step: Double = 1e-5, _ loss: ([Double]) -> Double) -> [Double] {
    var point = x
    return x.indices.map { i in
        let saved = point[i]
        point[i] = saved + step
        let up = loss(point)
        point[i] = saved - step
        let down = loss(point)
        point[i] = saved
        return (up - down) / (2 * step)
    }
}

/// sum(output * weights): the scalar whose gradient a backward pass computes from upstream gradient `weights`.
func weightedSum(_ output: [Double], _ weights: [Float]) -> Double {
    zip(output, weights).reduce(0) { $0 + $1.0 * Double($1.1) }
}

/// Asserts analytic (float) and numeric (double) gradients agree elementwise to atol + rtol * |numeric|.
func assertGradientsMatch(_ analytic: [Float], _ numeric: [Double], atol: Double = 2e-4, rtol: Double = 1e-3,
                          _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(analytic.count, numeric.count, "\(what): gradient sizes differ", file: file, line: line)
    var worst = 0.0, worstIndex = -1
    for (i, (a, n)) in zip(analytic, numeric).enumerated() {
        let excess = abs(Double(a) - n) - (atol + rtol * abs(n))
        if excess > worst { worst = excess; worstIndex = i }
    }
    XCTAssertTrue(worstIndex < 0, "\(what): element \(worstIndex) analytic \(worstIndex >= 0 ? analytic[worstIndex] : 0) vs numeric \(worstIndex >= 0 ? numeric[worstIndex] : 0)", file: file, line: line)
    XCTAssertTrue(numeric.contains { abs($0) > 1e-3 }, "\(what): numeric gradient is all but zero, the check would prove nothing", file: file, line: line)
}

/// Asserts a float result equals a double reference to atol + rtol * |reference|.
func assertClose(_ actual: [Float], _ expected: [Double], atol: Double = 1e-5, rtol: Double = 1e-5,
                 _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(what): sizes differ", file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated() where abs(Double(a) - e) > atol + rtol * abs(e) {
        XCTFail("\(what): element \(i) is \(a), expected \(e)", file: file, line: line)
        return
    }
}

/// Runs body with pointers to the arrays' storage.
func withPointers<R>(_ a: [Float], _ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
    try a.withUnsafeBufferPointer { try body($0.baseAddress!) }
}
