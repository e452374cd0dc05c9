import Tensor

/// A chain of single-input layers (a model-file row with number > 1 for a module other than C3).
public final class Sequential: SingleInputLayer {
    public let layers: [SingleInputLayer]
    private let gradients = [Tensor(), Tensor()]
    private var shapes: [TensorShape] = []

    public init(_ layers: [SingleInputLayer]) { self.layers = layers }

    public var forwardFLOPs: Double { layers.reduce(0) { $0 + $1.forwardFLOPs } }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        if shapes.count != layers.count { shapes = [TensorShape](repeating: input.shape, count: layers.count) }
        var x = input
        for (i, layer) in layers.enumerated() {
            shapes[i] = x.shape
            x = try layer.forward(x, training: training)
        }
        return x
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        var upstream = outputGradient
        for i in layers.indices.reversed() {
            if i == 0 {
                layers[0].backward(upstream, inputGradient: inputGradient, accumulate: accumulate)
            } else {
                let downstream = gradients[i % 2]
                downstream.reshape(shapes[i])
                layers[i].backward(upstream, inputGradient: downstream, accumulate: false)
                upstream = downstream
            }
        }
    }
}
