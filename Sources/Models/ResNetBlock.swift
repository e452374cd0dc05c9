import Tensor
import Support

/// One residual block (BasicBlock or BottleNeck): relu(residual_function(x) + shortcut(x)), where the shortcut
/// is a 1x1 conv + BN when the block changes resolution or width, and the identity otherwise.
public final class ResNetBlock: SingleInputLayer {
    /// The module name, e.g. `conv3_x.0`.
    public let name: String
    /// The `residual_function` chain; its last layer is a conv + BN without activation.
    public let residual: Sequential
    /// The projection `shortcut.{0,1}`, or nil for the identity.
    public let shortcut: ConvBlock?
    private let output = Tensor(), sumGradient = Tensor()

    public init(name: String, residual: Sequential, shortcut: ConvBlock?) {
        self.name = name
        self.residual = residual
        self.shortcut = shortcut
    }

    public var forwardFLOPs: Double { residual.forwardFLOPs + (shortcut?.forwardFLOPs ?? 0) }

    /// [N, H, W, in] -> relu(residual + shortcut) [N, H', W', out]
    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let y = try residual.forward(input, training: training)
        let skip = try shortcut?.forward(input, training: training) ?? input
        guard skip.shape == y.shape else {
            throw TensorError.shapeMismatch(layer: name, message: "residual output \(y.shape) and shortcut \(skip.shape) differ")
        }
        output.reshape(y.shape)
        Elementwise.add(y.pointer, skip.pointer, output: output.pointer, count: y.count)
        Activation.reluForward(input: output.pointer, output: output.pointer, count: output.count)
        return output
    }

    /// dL/doutput -> dL/d(sum) (masked by the ReLU, from its output) -> both branches, adding into dL/dinput.
    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        sumGradient.reshape(output.shape)
        Activation.reluBackward(input: output.pointer, outputGradient: outputGradient.pointer, inputGradient: sumGradient.pointer,
                                count: output.count, accumulate: false)
        residual.backward(sumGradient, inputGradient: inputGradient, accumulate: accumulate)
        if let shortcut {
            shortcut.backward(sumGradient, inputGradient: inputGradient, accumulate: true)
        } else if let inputGradient {
            Elementwise.route(sumGradient.pointer, into: inputGradient.pointer, count: sumGradient.count, accumulate: true)
        }
    }
}

extension ResNetBlock: Initializable {
    func initialize(_ random: inout SeededGenerator) {
        residual.initialize(&random)
        shortcut?.initialize(&random)
    }
}
