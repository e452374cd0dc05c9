import Foundation
import Tensor

/// Straightforward double-precision implementations of the ops, written from their definitions (NHWC
/// activations, conv weights [O][kh][kw][I]), used to check forward results and to take finite differences.
enum Reference {
    static func index(_ s: TensorShape, _ b: Int, _ y: Int, _ x: Int, _ c: Int) -> Int { ((b * s.h + y) * s.w + x) * s.c + c }

    static func conv(_ x: [Double], _ s: TensorShape, _ w: [Double], _ bias: [Double]?, _ g: ConvGeometry) -> [Double] {
        let oh = (s.h + 2 * g.padding - g.kernel) / g.stride + 1, ow = (s.w + 2 * g.padding - g.kernel) / g.stride + 1
        let o = TensorShape(n: s.n, h: oh, w: ow, c: g.outChannels)
        var out = [Double](repeating: 0, count: o.count)
        for b in 0..<s.n { for oy in 0..<oh { for ox in 0..<ow { for co in 0..<g.outChannels {
            var acc = bias?[co] ?? 0
            for ky in 0..<g.kernel { for kx in 0..<g.kernel {
                let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                guard iy >= 0, iy < s.h, ix >= 0, ix < s.w else { continue }
                for ci in 0..<g.inChannels {
                    acc += x[index(s, b, iy, ix, ci)] * w[((co * g.kernel + ky) * g.kernel + kx) * g.inChannels + ci]
                }
            } }
            out[index(o, b, oy, ox, co)] = acc
        } } } }
        return out
    }

    /// Training-mode batch norm: normalise with the biased batch variance.
    static func batchNorm(_ x: [Double], pixels: Int, channels c: Int, gamma: [Double], beta: [Double], eps: Double) -> [Double] {
        var out = x
        for j in 0..<c {
            let values = (0..<pixels).map { x[$0 * c + j] }
            let mean = values.reduce(0, +) / Double(pixels)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(pixels)
            for p in 0..<pixels { out[p * c + j] = gamma[j] * (x[p * c + j] - mean) / (variance + eps).squareRoot() + beta[j] }
        }
        return out
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// SPD from the reference's NCHW slicing definition: channel k*C + c at offset (dy, dx) = (k & 1, k >> 1).
    static func spaceToDepth(_ x: [Double], _ s: TensorShape) -> [Double] {
        let o = TensorShape(n: s.n, h: s.h / 2, w: s.w / 2, c: 4 * s.c)
        var out = [Double](repeating: 0, count: o.count)
        for b in 0..<s.n { for y in 0..<o.h { for xx in 0..<o.w { for k in 0..<4 { for c in 0..<s.c {
            out[index(o, b, y, xx, k * s.c + c)] = x[index(s, b, 2 * y + (k & 1), 2 * xx + (k >> 1), c)]
        } } } } }
        return out
    }

    static func upsample(_ x: [Double], _ s: TensorShape) -> [Double] {
        let o = TensorShape(n: s.n, h: 2 * s.h, w: 2 * s.w, c: s.c)
        var out = [Double](repeating: 0, count: o.count)
        for b in 0..<s.n { for y in 0..<o.h { for xx in 0..<o.w { for c in 0..<s.c {
            out[index(o, b, y, xx, c)] = x[index(s, b, y / 2, xx / 2, c)]
        } } } }
        return out
    }

    static func maxPool(_ x: [Double], _ s: TensorShape, kernel: Int, stride: Int, padding: Int) -> [Double] {
        let oh = (s.h + 2 * padding - kernel) / stride + 1, ow = (s.w + 2 * padding - kernel) / stride + 1
        let o = TensorShape(n: s.n, h: oh, w: ow, c: s.c)
        var out = [Double](repeating: -.infinity, count: o.count)
        for b in 0..<s.n { for oy in 0..<oh { for ox in 0..<ow { for c in 0..<s.c {
            for ky in 0..<kernel { for kx in 0..<kernel {
                let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                guard iy >= 0, iy < s.h, ix >= 0, ix < s.w else { continue }
                out[index(o, b, oy, ox, c)] = max(out[index(o, b, oy, ox, c)], x[index(s, b, iy, ix, c)])
            } }
        } } } }
        return out
    }

    static func linear(_ x: [Double], batch: Int, inFeatures: Int, outFeatures: Int, _ w: [Double], _ bias: [Double]) -> [Double] {
        (0..<batch * outFeatures).map { i in
            let b = i / outFeatures, o = i % outFeatures
            return bias[o] + (0..<inFeatures).reduce(0) { $0 + x[b * inFeatures + $1] * w[o * inFeatures + $1] }
        }
    }
}

extension Array where Element == Float {
    var doubles: [Double] { map(Double.init) }
}
