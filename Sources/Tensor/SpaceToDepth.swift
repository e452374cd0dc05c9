/// Space-to-depth with block 2, in the SPD-Conv reference order: output channel k*C + c holds input channel c
/// at row offset dy and column offset dx, k = dy + 2*dx, i.e. cat(x[::2, ::2], x[1::2, ::2], x[::2, 1::2],
/// x[1::2, 1::2]). This is not pixel_unshuffle's order.
public enum SpaceToDepth {
    /// [N, H, W, C] -> [N, H/2, W/2, 4C]; odd H or W is an error naming the layer.
    public static func outputShape(for input: TensorShape, layer: String) throws -> TensorShape {
        guard input.h % 2 == 0, input.w % 2 == 0, input.h > 0, input.w > 0 else {
            throw TensorError.shapeMismatch(layer: layer, message:
                "space_to_depth needs even height and width, got input \(input); the image size must be divisible by 2 for every SPD layer")
        }
        return TensorShape(n: input.n, h: input.h / 2, w: input.w / 2, c: 4 * input.c)
    }

    /// output[b, y, x, k*C + c] = input[b, 2y + dy, 2x + dx, c]
    public static func forward(input: UnsafePointer<Float>, inputShape s: TensorShape, output: UnsafeMutablePointer<Float>) {
        OpProfiler.measure(.layout) {
            KernelVariant.kernels.spaceToDepth(input: input, inputShape: s, output: output)
        }
    }

    /// dinput[b, 2y + dy, 2x + dx, c] (+)= doutput[b, y, x, k*C + c]
    public static func backward(outputGradient: UnsafePointer<Float>, inputShape s: TensorShape,
                                inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        OpProfiler.measure(.layout) {
            KernelVariant.kernels.spaceToDepthBackward(outputGradient: outputGradient, inputShape: s, inputGradient: inputGradient, accumulate: accumulate)
        }
    }
}

/// Nearest-neighbour upsampling by 2.
public enum Upsample {
    /// output[b, y, x, :] = input[b, y/2, x/2, :]   [N, H, W, C] -> [N, 2H, 2W, C]
    public static func forward(input: UnsafePointer<Float>, inputShape s: TensorShape, output: UnsafeMutablePointer<Float>) {
        OpProfiler.measure(.layout) {
            KernelVariant.kernels.upsample(input: input, inputShape: s, output: output)
        }
    }

    /// dinput[b, y, x, :] (+)= sum of the 4 output gradients it was copied to.
    public static func backward(outputGradient: UnsafePointer<Float>, inputShape s: TensorShape,
                                inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        OpProfiler.measure(.layout) {
            KernelVariant.kernels.upsampleBackward(outputGradient: outputGradient, inputShape: s, inputGradient: inputGradient, accumulate: accumulate)
        }
    }
}

/// Channel concatenation of NHWC tensors with the same N, H, W.
public enum Concat {
    /// output[p, offset ..< offset + C] = input[p, :] for one of the inputs   [P, C] -> [P, totalChannels]
    public static func forward(input: UnsafePointer<Float>, channels c: Int, pixels: Int, output: UnsafeMutablePointer<Float>,
                               totalChannels: Int, offset: Int) {
        OpProfiler.measure(.layout) {
            KernelVariant.kernels.concat(input: input, channels: c, pixels: pixels, output: output, totalChannels: totalChannels, offset: offset)
        }
    }

    /// dinput_i (+)= doutput[:, offset_i ..< offset_i + C_i] for one input.
    public static func backward(outputGradient: UnsafePointer<Float>, totalChannels: Int, offset: Int, channels c: Int, pixels: Int,
                                inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        OpProfiler.measure(.layout) {
            KernelVariant.kernels.concatBackward(outputGradient: outputGradient, totalChannels: totalChannels, offset: offset, channels: c,
                                                 pixels: pixels, inputGradient: inputGradient, accumulate: accumulate)
        }
    }
}
