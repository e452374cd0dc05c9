/// Pointwise activations. Backward writes dL/dinput (or adds to it when `accumulate`).
public enum Activation {
    /// output = input * sigmoid(input)   [count]
    public static func siluForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        OpProfiler.measure(.activation) { KernelVariant.kernels.activationForward(.silu, input: input, output: output, count: count) }
    }

    /// dinput (+)= doutput * s * (1 + x * (1 - s)), s = sigmoid(x)   [count]
    public static func siluBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                    inputGradient: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        OpProfiler.measure(.activation) {
            KernelVariant.kernels.activationBackward(.silu, saved: input, outputGradient: outputGradient, inputGradient: inputGradient,
                                                     count: count, accumulate: accumulate)
        }
    }

    /// output = max(input, 0)   [count]
    public static func reluForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        OpProfiler.measure(.activation) { KernelVariant.kernels.activationForward(.relu, input: input, output: output, count: count) }
    }

    /// dinput (+)= doutput where input > 0   [count]
    public static func reluBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                    inputGradient: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        OpProfiler.measure(.activation) {
            KernelVariant.kernels.activationBackward(.relu, saved: input, outputGradient: outputGradient, inputGradient: inputGradient,
                                                     count: count, accumulate: accumulate)
        }
    }

    /// output = 1 / (1 + e^-input)   [count]
    public static func sigmoidForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        OpProfiler.measure(.activation) { KernelVariant.kernels.activationForward(nil, input: input, output: output, count: count) }
    }

    /// dinput (+)= doutput * y * (1 - y), from the forward output y   [count]
    public static func sigmoidBackward(output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                       inputGradient: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        OpProfiler.measure(.activation) {
            KernelVariant.kernels.activationBackward(nil, saved: output, outputGradient: outputGradient, inputGradient: inputGradient,
                                                     count: count, accumulate: accumulate)
        }
    }
}

/// Element-wise helpers for residual adds and gradient routing.
public enum Elementwise {
    /// output = a + b   [count]
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        OpProfiler.measure(.elementwise) { KernelVariant.kernels.add(a, b, output: output, count: count) }
    }

    /// destination = source, or destination += source when `accumulate`   [count]
    public static func route(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        OpProfiler.measure(.elementwise) { KernelVariant.kernels.route(source, into: destination, count: count, accumulate: accumulate) }
    }
}
