/// Max pooling with PyTorch semantics (padding never wins; ties go to the first position in scan order) and
/// global average pooling.
public enum MaxPool {
    /// [N, H, W, C] -> [N, Ho, Wo, C] with Ho = (H + 2p - k) / s + 1.
    public static func outputShape(for input: TensorShape, kernel: Int, stride: Int, padding: Int, layer: String) throws -> TensorShape {
        guard kernel >= 1, stride >= 1, padding >= 0, padding * 2 <= kernel else {
            throw TensorError.invalidArgument(layer: layer, message: "max pool kernel \(kernel), stride \(stride), padding \(padding)")
        }
        let h = (input.h + 2 * padding - kernel) / stride + 1, w = (input.w + 2 * padding - kernel) / stride + 1
        guard h >= 1, w >= 1 else {
            throw TensorError.shapeMismatch(layer: layer, message: "input \(input) is smaller than pool kernel \(kernel)")
        }
        return TensorShape(n: input.n, h: h, w: w, c: input.c)
    }

    /// output = max over each window; argmax[i] = flat input index of output element i's maximum.
    public static func forward(input: UnsafePointer<Float>, inputShape s: TensorShape, output: UnsafeMutablePointer<Float>,
                               outputShape o: TensorShape, kernel: Int, stride: Int, padding: Int, argmax: UnsafeMutablePointer<Int32>) {
        OpProfiler.measure(.layout) {
            let c = s.c
            for b in 0..<s.n {
                for oy in 0..<o.h {
                    let y0 = max(oy * stride - padding, 0), y1 = min(oy * stride - padding + kernel, s.h)
                    for ox in 0..<o.w {
                        let x0 = max(ox * stride - padding, 0), x1 = min(ox * stride - padding + kernel, s.w)
                        let out = ((b * o.h + oy) * o.w + ox) * c
                        let first = ((b * s.h + y0) * s.w + x0) * c
                        for j in 0..<c { output[out + j] = input[first + j]; argmax[out + j] = Int32(first + j) }
                        for y in y0..<y1 {
                            for x in x0..<x1 {
                                let at = ((b * s.h + y) * s.w + x) * c
                                for j in 0..<c where input[at + j] > output[out + j] {
                                    output[out + j] = input[at + j]
                                    argmax[out + j] = Int32(at + j)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// dinput[argmax[i]] += doutput[i] (after zeroing dinput unless `accumulate`).
    public static func backward(outputGradient: UnsafePointer<Float>, outputCount: Int, argmax: UnsafePointer<Int32>,
                                inputGradient: UnsafeMutablePointer<Float>, inputCount: Int, accumulate: Bool) {
        OpProfiler.measure(.layout) {
            if !accumulate { inputGradient.update(repeating: 0, count: inputCount) }
            for i in 0..<outputCount { inputGradient[Int(argmax[i])] += outputGradient[i] }
        }
    }
}

public enum GlobalAveragePool {
    /// output[b, c] = mean over H*W of input[b, :, :, c]   [N, H, W, C] -> [N, 1, 1, C]
    public static func forward(input: UnsafePointer<Float>, inputShape s: TensorShape, output: UnsafeMutablePointer<Float>) {
        OpProfiler.measure(.layout) {
            let area = s.h * s.w, scale = 1 / Float(area)
            for b in 0..<s.n {
                let out = output + b * s.c
                out.update(repeating: 0, count: s.c)
                for p in 0..<area {
                    let row = input + (b * area + p) * s.c
                    for j in 0..<s.c { out[j] += row[j] }
                }
                for j in 0..<s.c { out[j] *= scale }
            }
        }
    }

    /// dinput[b, y, x, c] (+)= doutput[b, c] / (H*W)
    public static func backward(outputGradient: UnsafePointer<Float>, inputShape s: TensorShape,
                                inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        OpProfiler.measure(.layout) {
            let area = s.h * s.w, scale = 1 / Float(area)
            for b in 0..<s.n {
                let dy = outputGradient + b * s.c
                for p in 0..<area {
                    let dx = inputGradient + (b * area + p) * s.c
                    if accumulate { for j in 0..<s.c { dx[j] += dy[j] * scale } } else { for j in 0..<s.c { dx[j] = dy[j] * scale } }
                }
            }
        }
    }
}
