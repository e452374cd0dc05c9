import KernelInterface

/// Max pooling (PyTorch semantics) and global average pooling.
extension CPUKernels {
    public static func maxPool(input: UnsafePointer<Float>, inputShape s: TensorShape, output: UnsafeMutablePointer<Float>,
                               outputShape o: TensorShape, kernel: Int, stride: Int, padding: Int, argmax: UnsafeMutablePointer<Int32>) {
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

    public static func maxPoolBackward(outputGradient: UnsafePointer<Float>, outputCount: Int, argmax: UnsafePointer<Int32>,
                                       inputGradient: UnsafeMutablePointer<Float>, inputCount: Int, accumulate: Bool) {
        if !accumulate { inputGradient.update(repeating: 0, count: inputCount) }
        for i in 0..<outputCount { inputGradient[Int(argmax[i])] += outputGradient[i] }
    }

    public static func globalAveragePool(input: UnsafePointer<Float>, inputShape s: TensorShape, output: UnsafeMutablePointer<Float>) {
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

    public static func globalAveragePoolBackward(outputGradient: UnsafePointer<Float>, inputShape s: TensorShape,
                                                 inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
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
