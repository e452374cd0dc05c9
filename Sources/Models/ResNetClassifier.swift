import Tensor
import Support

/// ResNet's head: AdaptiveAvgPool2d((1, 1)) -> flatten -> Linear (`fc.weight` [classes, features], `fc.bias`).
public final class ResNetClassifier: SingleInputLayer {
    public let name: String
    public let features: Int
    public let classes: Int
    public let weight: StateReference, bias: StateReference
    private unowned let context: ModelContext
    private let pooled = Tensor(), logits = Tensor(), pooledGradient = Tensor()
    private var inputShape = TensorShape(n: 0, h: 0, w: 0, c: 0)
    public private(set) var forwardFLOPs: Double = 0

    public init(_ context: ModelContext, name: String, features: Int, classes: Int) {
        self.context = context
        self.name = name
        self.features = features
        self.classes = classes
        weight = context.state.parameter("\(name).weight", shape: [classes, features], group: .weight)
        bias = context.state.parameter("\(name).bias", shape: [classes], group: .bias)
    }

    /// PyTorch's Linear init: weight and bias uniform in +-1/sqrt(features).
    public func initialize(_ random: inout SeededGenerator) {
        initializeUniform(context.state.values(weight), count: classes * features, fanIn: features, &random)
        initializeUniform(context.state.values(bias), count: classes, fanIn: features, &random)
    }

    /// [N, H, W, features] -> pooled [N, 1, 1, features] -> logits [N, 1, 1, classes]
    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let s = input.shape
        guard s.c == features else {
            throw TensorError.shapeMismatch(layer: name, message: "expects \(features) features, got input \(s)")
        }
        pooled.reshape(TensorShape(n: s.n, h: 1, w: 1, c: features))
        GlobalAveragePool.forward(input: input.pointer, inputShape: s, output: pooled.pointer)
        logits.reshape(TensorShape(n: s.n, h: 1, w: 1, c: classes))
        Linear.forward(input: pooled.pointer, batch: s.n, inFeatures: features, outFeatures: classes,
                       weight: context.state.values(weight), bias: context.state.values(bias), output: logits.pointer)
        forwardFLOPs = 2 * Double(s.n * features * classes)
        inputShape = s
        return logits
    }

    /// dL/dlogits [N, 1, 1, classes] -> dL/dpooled [N, 1, 1, features] -> dL/dinput [N, H, W, features]
    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        let state = context.state
        pooledGradient.reshape(pooled.shape)
        Linear.backward(input: pooled.pointer, batch: inputShape.n, inFeatures: features, outFeatures: classes,
                        weight: state.values(weight), outputGradient: outputGradient.pointer,
                        inputGradient: inputGradient == nil ? nil : pooledGradient.pointer, accumulateInputGradient: false,
                        weightGradient: state.gradient(weight), biasGradient: state.gradient(bias))
        guard let inputGradient else { return }
        GlobalAveragePool.backward(outputGradient: pooledGradient.pointer, inputShape: inputShape,
                                   inputGradient: inputGradient.pointer, accumulate: accumulate)
    }
}

extension ResNetClassifier: Initializable {}
