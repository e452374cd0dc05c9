import KernelInterface

/// Pointwise activations and element-wise sums.
extension CPUKernels {
    public static func activationForward(_ activation: ActivationKind?, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        switch activation {
        case .silu: VectorMath.map(input, output, count: count) { x in x * VectorMath.sigmoid(x) }
        case .relu: VectorMath.map(input, output, count: count) { x in x > 0 ? x : 0 }
        case .identity: output.update(from: input, count: count)
        case nil: VectorMath.map(input, output, count: count) { x in VectorMath.sigmoid(x) }
        }
    }

    public static func activationBackward(_ activation: ActivationKind?, saved: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                          inputGradient: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        switch activation {
        case .silu:
            // dinput (+)= doutput * s * (1 + x * (1 - s)), s = sigmoid(x)
            backward(saved, outputGradient, inputGradient, count, accumulate) { x, dy in
                let s = VectorMath.sigmoid(x)
                return dy * s * (1 + x * (1 - s))
            }
        case .relu:
            backward(saved, outputGradient, inputGradient, count, accumulate) { x, dy in x > 0 ? dy : 0 }
        case .identity:
            route(outputGradient, into: inputGradient, count: count, accumulate: accumulate)
        case nil:
            // sigmoid, from the forward output y: dinput (+)= doutput * y * (1 - y)
            backward(saved, outputGradient, inputGradient, count, accumulate) { y, dy in dy * y * (1 - y) }
        }
    }

    /// inputGradient = body(saved, dy), or += it when `accumulate`.
    @inline(__always)
    private static func backward(_ saved: UnsafePointer<Float>, _ outputGradient: UnsafePointer<Float>, _ inputGradient: UnsafeMutablePointer<Float>,
                                 _ count: Int, _ accumulate: Bool, _ body: (Float, Float) -> Float) {
        if accumulate {
            VectorMath.map3(saved, outputGradient, inputGradient, inputGradient, count: count) { x, dy, acc in acc + body(x, dy) }
        } else {
            VectorMath.map2(saved, outputGradient, inputGradient, count: count, body)
        }
    }

    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.map2(a, b, output, count: count) { $0 + $1 }
    }

    public static func route(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        if accumulate {
            VectorMath.map2(source, destination, destination, count: count) { $0 + $1 }
        } else {
            destination.update(from: source, count: count)
        }
    }
}
