/// The activation that follows a batch norm.
public enum ActivationKind: String, Sendable {
    case silu, relu, identity

    /// Calls body with the activation as an inlinable function.
    @inline(__always)
    func withFunction(_ body: ((Float) -> Float) -> Void) {
        switch self {
        case .silu: body { z in z * VectorMath.sigmoid(z) }
        case .relu: body { z in z > 0 ? z : 0 }
        case .identity: body { z in z }
        }
    }
}

/// Pointwise activations. Backward writes dL/dinput (or adds to it when `accumulate`).
public enum Activation {
    /// output = input * sigmoid(input)   [count]
    public static func siluForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        OpProfiler.measure(.activation) {
            VectorMath.map(input, output, count: count) { x in x * VectorMath.sigmoid(x) }
        }
    }

    /// dinput (+)= doutput * s * (1 + x * (1 - s)), s = sigmoid(x)   [count]
    public static func siluBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                    inputGradient: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        OpProfiler.measure(.activation) {
            if accumulate {
                VectorMath.map3(input, outputGradient, inputGradient, inputGradient, count: count) { x, dy, acc in
                    let s = VectorMath.sigmoid(x)
                    return acc + dy * s * (1 + x * (1 - s))
                }
            } else {
                VectorMath.map2(input, outputGradient, inputGradient, count: count) { x, dy in
                    let s = VectorMath.sigmoid(x)
                    return dy * s * (1 + x * (1 - s))
                }
            }
        }
    }

    /// output = max(input, 0)   [count]
    public static func reluForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        OpProfiler.measure(.activation) {
            VectorMath.map(input, output, count: count) { x in x > 0 ? x : 0 }
        }
    }

    /// dinput (+)= doutput where input > 0   [count]
    public static func reluBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                    inputGradient: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        OpProfiler.measure(.activation) {
            if accumulate {
                VectorMath.map3(input, outputGradient, inputGradient, inputGradient, count: count) { x, dy, acc in
                    acc + (x > 0 ? dy : 0)
                }
            } else {
                VectorMath.map2(input, outputGradient, inputGradient, count: count) { x, dy in x > 0 ? dy : 0 }
            }
        }
    }

    /// output = 1 / (1 + e^-input)   [count]
    public static func sigmoidForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        OpProfiler.measure(.activation) {
            VectorMath.map(input, output, count: count) { x in VectorMath.sigmoid(x) }
        }
    }

    /// dinput (+)= doutput * y * (1 - y), from the forward output y   [count]
    public static func sigmoidBackward(output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                       inputGradient: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        OpProfiler.measure(.activation) {
            if accumulate {
                VectorMath.map3(output, outputGradient, inputGradient, inputGradient, count: count) { y, dy, acc in acc + dy * y * (1 - y) }
            } else {
                VectorMath.map2(output, outputGradient, inputGradient, count: count) { y, dy in dy * y * (1 - y) }
            }
        }
    }
}

/// Element-wise helpers for residual adds and gradient routing.
public enum Elementwise {
    /// output = a + b   [count]
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        OpProfiler.measure(.elementwise) {
            VectorMath.map2(a, b, output, count: count) { $0 + $1 }
        }
    }

    /// destination = source, or destination += source when `accumulate`   [count]
    public static func route(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        OpProfiler.measure(.elementwise) {
            if accumulate {
                VectorMath.map2(source, destination, destination, count: count) { $0 + $1 }
            } else {
                destination.update(from: source, count: count)
            }
        }
    }
}
