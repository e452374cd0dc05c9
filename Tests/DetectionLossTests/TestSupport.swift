import DetectionLoss
import Foundation
import TestSupport
import XCTest

/// One level of channels-last head output, [batch][ny][nx][anchors * (classes + 5)].
struct LevelOutput {
    var raw: [Float]
    let ny: Int
    let nx: Int
}

/// Runs `loss` on array-held levels; returns the breakdown and, when asked, d(total)/d(raw) per level. The
/// gradient buffers start out filled with NaN so that an element the loss fails to overwrite shows.
func evaluate(_ loss: YOLOLoss, _ levels: [LevelOutput], batch: Int, targets: [DetectionTarget],
              gradients wantsGradients: Bool, normalization: LossNormalization? = nil) throws -> (breakdown: LossBreakdown, gradients: [[Float]]) {
    let rawBuffers = levels.map { level -> UnsafeMutablePointer<Float> in
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: level.raw.count)
        buffer.initialize(from: level.raw, count: level.raw.count)
        return buffer
    }
    let gradientBuffers = levels.map { level -> UnsafeMutablePointer<Float> in
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: level.raw.count)
        buffer.initialize(repeating: .nan, count: level.raw.count)
        return buffer
    }
    defer { (rawBuffers + gradientBuffers).forEach { $0.deallocate() } }
    let inputs = zip(levels, rawBuffers).map { (raw: UnsafePointer($1), ny: $0.ny, nx: $0.nx) }
    let breakdown = try loss.compute(levels: inputs, batch: batch, targets: targets,
                                     gradients: wantsGradients ? gradientBuffers : nil, normalization: normalization)
    let gradients = wantsGradients
        ? zip(levels, gradientBuffers).map { Array(UnsafeBufferPointer(start: $1, count: $0.raw.count)) }
        : []
    return (breakdown, gradients)
}

/// The reference folder Tests/Fixtures/reference/yolov5-spd-n (an error naming it when it is absent).
func referenceDirectory() throws -> URL {
    try TestFixtures.goldenYOLOv5SPDn
}

/// Reads raw little-endian float32 values.
func readFloats(_ url: URL) throws -> [Float] {
    let data = try Data(contentsOf: url)
    return data.withUnsafeBytes { bytes in
        (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
    }
}

/// PyTorch's head layout (b, a, y, x, k) to the engine's channels-last (b, y, x, a, k).
func channelsLast(fromPyTorch values: [Float], batch: Int, anchors: Int, ny: Int, nx: Int, outputs: Int) -> [Float] {
    var result = [Float](repeating: 0, count: values.count)
    for b in 0..<batch {
        for a in 0..<anchors {
            for y in 0..<ny {
                for x in 0..<nx {
                    let source = (((b * anchors + a) * ny + y) * nx + x) * outputs
                    let destination = (((b * ny + y) * nx + x) * anchors + a) * outputs
                    for k in 0..<outputs { result[destination + k] = values[source + k] }
                }
            }
        }
    }
    return result
}

/// Asserts |actual - expected| <= tolerance * |expected|.
func assertRelativelyClose(_ actual: Double, _ expected: Double, _ tolerance: Double, _ what: String,
                           file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertLessThanOrEqual(abs(actual - expected), tolerance * abs(expected),
                             "\(what): \(actual) vs expected \(expected)", file: file, line: line)
}
