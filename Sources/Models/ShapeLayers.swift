import Tensor

/// The SPD layer (`space_to_depth`): [N, H, W, C] -> [N, H/2, W/2, 4C] in the reference channel order.
public final class SpaceToDepthLayer: SingleInputLayer {
    public let name: String
    private let output = Tensor()
    private var inputShape = TensorShape(n: 0, h: 0, w: 0, c: 0)
    public let forwardFLOPs: Double = 0

    public init(name: String) { self.name = name }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        output.reshape(try SpaceToDepth.outputShape(for: input.shape, layer: name))
        SpaceToDepth.forward(input: input.pointer, inputShape: input.shape, output: output.pointer)
        inputShape = input.shape
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        guard let inputGradient else { return }
        SpaceToDepth.backward(outputGradient: outputGradient.pointer, inputShape: inputShape, inputGradient: inputGradient.pointer, accumulate: accumulate)
    }
}

/// Nearest-neighbour upsampling by 2 (`nn.Upsample(None, 2, 'nearest')`).
public final class UpsampleLayer: SingleInputLayer {
    private let output = Tensor()
    private var inputShape = TensorShape(n: 0, h: 0, w: 0, c: 0)
    public let forwardFLOPs: Double = 0

    public init() {}

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let s = input.shape
        output.reshape(TensorShape(n: s.n, h: 2 * s.h, w: 2 * s.w, c: s.c))
        Upsample.forward(input: input.pointer, inputShape: s, output: output.pointer)
        inputShape = s
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        guard let inputGradient else { return }
        Upsample.backward(outputGradient: outputGradient.pointer, inputShape: inputShape, inputGradient: inputGradient.pointer, accumulate: accumulate)
    }
}

/// Channel concatenation of several inputs, in the listed order.
public final class ConcatLayer: Layer {
    public let name: String
    private let output = Tensor()
    private var channels: [Int] = []
    public let forwardFLOPs: Double = 0

    public init(name: String) { self.name = name }

    public func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor {
        let first = inputs[0].shape
        for input in inputs where (input.shape.n, input.shape.h, input.shape.w) != (first.n, first.h, first.w) {
            throw TensorError.shapeMismatch(layer: name, message: "cannot concatenate \(input.shape) with \(first): spatial sizes differ")
        }
        if channels.count != inputs.count || zip(channels, inputs).contains(where: { $0 != $1.shape.c }) {
            channels = inputs.map { $0.shape.c }
        }
        let total = channels.reduce(0, +)
        output.reshape(TensorShape(n: first.n, h: first.h, w: first.w, c: total))
        var offset = 0
        for input in inputs {
            Concat.forward(input: input.pointer, channels: input.shape.c, pixels: first.pixels, output: output.pointer, totalChannels: total, offset: offset)
            offset += input.shape.c
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradients: [Tensor?], accumulate: [Bool]) {
        let total = outputGradient.shape.c, pixels = outputGradient.shape.pixels
        var offset = 0
        for (i, c) in channels.enumerated() {
            if let gradient = inputGradients[i] {
                Concat.backward(outputGradient: outputGradient.pointer, totalChannels: total, offset: offset, channels: c, pixels: pixels,
                                inputGradient: gradient.pointer, accumulate: accumulate[i])
            }
            offset += c
        }
    }
}
