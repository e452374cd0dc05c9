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
            KernelVariant.kernels.maxPool(input: input, inputShape: s, output: output, outputShape: o, kernel: kernel, stride: stride,
                                          padding: padding, argmax: argmax)
        }
    }

    /// dinput[argmax[i]] += doutput[i] (after zeroing dinput unless `accumulate`).
    public static func backward(outputGradient: UnsafePointer<Float>, outputCount: Int, argmax: UnsafePointer<Int32>,
                                inputGradient: UnsafeMutablePointer<Float>, inputCount: Int, accumulate: Bool) {
        OpProfiler.measure(.layout) {
            KernelVariant.kernels.maxPoolBackward(outputGradient: outputGradient, outputCount: outputCount, argmax: argmax,
                                                  inputGradient: inputGradient, inputCount: inputCount, accumulate: accumulate)
        }
    }
}

public enum GlobalAveragePool {
    /// output[b, c] = mean over H*W of input[b, :, :, c]   [N, H, W, C] -> [N, 1, 1, C]
    public static func forward(input: UnsafePointer<Float>, inputShape s: TensorShape, output: UnsafeMutablePointer<Float>) {
        OpProfiler.measure(.layout) {
            KernelVariant.kernels.globalAveragePool(input: input, inputShape: s, output: output)
        }
    }

    /// dinput[b, y, x, c] (+)= doutput[b, c] / (H*W)
    public static func backward(outputGradient: UnsafePointer<Float>, inputShape s: TensorShape,
                                inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        OpProfiler.measure(.layout) {
            KernelVariant.kernels.globalAveragePoolBackward(outputGradient: outputGradient, inputShape: s, inputGradient: inputGradient,
                                                            accumulate: accumulate)
        }
    }
}
