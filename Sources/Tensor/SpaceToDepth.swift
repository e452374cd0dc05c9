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
            forEachBlock(s) { source, destination, c in (output + destination).update(from: input + source, count: c) }
        }
    }

    /// dinput[b, 2y + dy, 2x + dx, c] (+)= doutput[b, y, x, k*C + c]
    public static func backward(outputGradient: UnsafePointer<Float>, inputShape s: TensorShape,
                                inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        OpProfiler.measure(.layout) {
            forEachBlock(s) { source, destination, c in
                Elementwise.route(outputGradient + destination, into: inputGradient + source, count: c, accumulate: accumulate)
            }
        }
    }

    /// Calls body(inputOffset, outputOffset, C) for each of the 4 channel blocks of each output pixel.
    @inline(__always)
    private static func forEachBlock(_ s: TensorShape, _ body: (Int, Int, Int) -> Void) {
        let c = s.c, oh = s.h / 2, ow = s.w / 2
        for b in 0..<s.n {
            for y in 0..<oh {
                for x in 0..<ow {
                    let out = ((b * oh + y) * ow + x) * 4 * c
                    for k in 0..<4 {
                        let dy = k & 1, dx = k >> 1
                        body(((b * s.h + 2 * y + dy) * s.w + 2 * x + dx) * c, out + k * c, c)
                    }
                }
            }
        }
    }
}

/// Nearest-neighbour upsampling by 2.
public enum Upsample {
    /// output[b, y, x, :] = input[b, y/2, x/2, :]   [N, H, W, C] -> [N, 2H, 2W, C]
    public static func forward(input: UnsafePointer<Float>, inputShape s: TensorShape, output: UnsafeMutablePointer<Float>) {
        OpProfiler.measure(.layout) {
            forEachPair(s) { source, destination, c in (output + destination).update(from: input + source, count: c) }
        }
    }

    /// dinput[b, y, x, :] (+)= sum of the 4 output gradients it was copied to.
    public static func backward(outputGradient: UnsafePointer<Float>, inputShape s: TensorShape,
                                inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        OpProfiler.measure(.layout) {
            if !accumulate { inputGradient.update(repeating: 0, count: s.count) }
            forEachPair(s) { source, destination, c in
                Elementwise.route(outputGradient + destination, into: inputGradient + source, count: c, accumulate: true)
            }
        }
    }

    @inline(__always)
    private static func forEachPair(_ s: TensorShape, _ body: (Int, Int, Int) -> Void) {
        let c = s.c, oh = 2 * s.h, ow = 2 * s.w
        for b in 0..<s.n {
            for y in 0..<oh {
                for x in 0..<ow { body(((b * s.h + y / 2) * s.w + x / 2) * c, ((b * oh + y) * ow + x) * c, c) }
            }
        }
    }
}

/// Channel concatenation of NHWC tensors with the same N, H, W.
public enum Concat {
    /// output[p, offset ..< offset + C] = input[p, :] for one of the inputs   [P, C] -> [P, totalChannels]
    public static func forward(input: UnsafePointer<Float>, channels c: Int, pixels: Int, output: UnsafeMutablePointer<Float>,
                               totalChannels: Int, offset: Int) {
        OpProfiler.measure(.layout) {
            for p in 0..<pixels { (output + p * totalChannels + offset).update(from: input + p * c, count: c) }
        }
    }

    /// dinput_i (+)= doutput[:, offset_i ..< offset_i + C_i] for one input.
    public static func backward(outputGradient: UnsafePointer<Float>, totalChannels: Int, offset: Int, channels c: Int, pixels: Int,
                                inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        OpProfiler.measure(.layout) {
            for p in 0..<pixels {
                Elementwise.route(outputGradient + p * totalChannels + offset, into: inputGradient + p * c, count: c, accumulate: accumulate)
            }
        }
    }
}
