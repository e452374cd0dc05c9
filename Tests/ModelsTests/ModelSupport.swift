import Foundation
import Models
import Tensor
import TestSupport
import XCTest

/// The repository root.
let repositoryRoot = TestFixtures.repositoryRoot

/// configs/models/<name>.yaml
func modelFile(_ name: String) -> String { repositoryRoot.appendingPathComponent("configs/models/\(name).yaml").path }

/// Tests/Fixtures/reference/yolov5-spd-n (an error naming it when it is absent).
func goldenDirectory() throws -> URL {
    try TestFixtures.goldenYOLOv5SPDn
}

/// Reads a raw little-endian float32 file.
func readFloats(_ url: URL) throws -> [Float] {
    let data = try Data(contentsOf: url)
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

/// NCHW -> NHWC.
func nhwc(fromNCHW v: [Float], n: Int, c: Int, h: Int, w: Int) -> [Float] {
    var out = [Float](repeating: 0, count: v.count)
    for b in 0..<n { for ch in 0..<c { for y in 0..<h { for x in 0..<w {
        out[((b * h + y) * w + x) * c + ch] = v[((b * c + ch) * h + y) * w + x]
    } } } }
    return out
}

/// The engine's raw level [N][ny][nx][na*no] -> PyTorch's (N, na, ny, nx, no).
func pytorchLayout(_ raw: Tensor, anchors na: Int) -> [Float] {
    let s = raw.shape, no = s.c / na, v = raw.values
    var out = [Float](repeating: 0, count: v.count)
    for b in 0..<s.n { for a in 0..<na { for y in 0..<s.h { for x in 0..<s.w { for k in 0..<no {
        out[(((b * na + a) * s.h + y) * s.w + x) * no + k] = v[((b * s.h + y) * s.w + x) * s.c + a * no + k]
    } } } } }
    return out
}

/// Checks backward's parameter gradients (already in `state`'s gradient arena for the loss `loss()`) against central
/// differences of the Float forward with `step`: the largest-gradient element and the first element of every
/// parameter tensor, to 2e-2 + 3e-2 * |numeric|. Returns the number of elements checked.
func checkParameterGradients(_ state: ModelState, step: Float, label: String, file: StaticString = #filePath, line: UInt = #line,
                             loss: () throws -> Double) throws -> Int {
    let parameters = state.parameterBuffer, gradients = state.gradientBuffer
    var checked = 0
    for entry in state.entries where entry.kind.isParameter {
        let range = entry.offset..<(entry.offset + entry.count)
        let largest = range.max { abs(gradients[$0]) < abs(gradients[$1]) }!
        for index in Set([range.lowerBound, largest]) {
            let saved = parameters[index]
            parameters[index] = saved + step
            let up = try loss()
            parameters[index] = saved - step
            let down = try loss()
            parameters[index] = saved
            let numeric = (up - down) / Double(2 * step)
            XCTAssertEqual(Double(gradients[index]), numeric, accuracy: 2e-2 + 3e-2 * abs(numeric),
                           "\(label)\(entry.name)[\(index - entry.offset)]", file: file, line: line)
            checked += 1
        }
    }
    return checked
}
