import Tensor
import Support

/// Batch-norm constants: YOLOv5 uses eps 1e-3, momentum 0.03; ResNet PyTorch's defaults 1e-5, 0.1.
public struct BatchNormSettings: Sendable {
    public var eps: Float
    public var momentum: Float
    public static let yolo = BatchNormSettings(eps: 1e-3, momentum: 0.03)
    public static let pytorchDefault = BatchNormSettings(eps: 1e-5, momentum: 0.1)
}

/// A batch-norm layer's state references (weight, bias, running_mean, running_var, num_batches_tracked).
public struct BatchNormState {
    public let channels: Int
    public let weight, bias, runningMean, runningVar, batchesTracked: StateReference
    public let settings: BatchNormSettings

    public init(_ context: ModelContext, name: String, channels: Int, settings: BatchNormSettings) {
        let state = context.state
        self.channels = channels
        self.settings = settings
        weight = state.parameter("\(name).weight", shape: [channels], group: .batchNormWeight)
        bias = state.parameter("\(name).bias", shape: [channels], group: .bias)
        runningMean = state.buffer("\(name).running_mean", shape: [channels])
        runningVar = state.buffer("\(name).running_var", shape: [channels])
        batchesTracked = state.counter("\(name).num_batches_tracked")
    }

    /// PyTorch's BatchNorm2d initial state: weight 1, bias 0, running mean 0, running variance 1.
    public func initialize(_ state: ModelState) {
        state.values(weight).update(repeating: 1, count: channels)
        state.values(bias).update(repeating: 0, count: channels)
        state.values(runningMean).update(repeating: 0, count: channels)
        state.values(runningVar).update(repeating: 1, count: channels)
    }
}

/// Conv2d (no bias) -> BatchNorm2d -> activation: YOLOv5's `Conv`, and the conv-BN(-ReLU) pieces of ResNets.
/// Keeps the conv output and the block output; the normalised values are recomputed in backward.
public final class ConvBlock: SingleInputLayer {
    public let name: String
    public let geometry: ConvGeometry
    public let weight: StateReference
    let normalization: BatchNormActivation
    private unowned let context: ModelContext
    private let convOutput = Tensor(), output = Tensor()
    private var input: Tensor?
    /// The input shape of the last forward pass.
    public var lastInputShape: TensorShape? { input?.shape }
    public private(set) var forwardFLOPs: Double = 0

    public var batchNorm: BatchNormState { normalization.batchNorm }
    public var activation: ActivationKind { normalization.activation }

    /// `convName` names the conv weight's module (e.g. `model.1.conv`), `batchNormName` the BN module (`model.1.bn`).
    public init(_ context: ModelContext, convName: String, batchNormName: String, geometry: ConvGeometry,
                activation: ActivationKind, batchNorm settings: BatchNormSettings) {
        self.context = context
        self.geometry = geometry
        name = convName
        weight = context.state.parameter("\(convName).weight", shape: [geometry.outChannels, geometry.inChannels, geometry.kernel, geometry.kernel],
                                         group: .weight, layout: .convolution(geometry))
        normalization = BatchNormActivation(context, name: batchNormName, channels: geometry.outChannels, activation: activation, settings: settings)
    }

    /// YOLOv5's `Conv(c1, c2, k, s)` named `prefix.conv` / `prefix.bn`, SiLU.
    public convenience init(_ context: ModelContext, yolo prefix: String, _ c1: Int, _ c2: Int, kernel: Int = 1, stride: Int = 1, padding: Int? = nil) {
        self.init(context, convName: "\(prefix).conv", batchNormName: "\(prefix).bn",
                  geometry: ConvGeometry(inChannels: c1, outChannels: c2, kernel: kernel, stride: stride, padding: padding),
                  activation: .silu, batchNorm: .yolo)
    }

    /// PyTorch's default init: kaiming-uniform weights (bound 1/sqrt(fan_in)), BN weight 1, bias 0.
    public func initialize(_ random: inout SeededGenerator) {
        let state = context.state
        initializeUniform(state.values(weight), count: geometry.weightCount, fanIn: geometry.columns, &random)
        batchNorm.initialize(state)
    }

    /// [N, H, W, Cin] -> act(BN(conv(input))) [N, Ho, Wo, Cout]
    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let outShape = try geometry.outputShape(for: input.shape, layer: name)
        convOutput.reshape(outShape)
        output.reshape(outShape)
        Conv2D.forward(input: input.pointer, inputShape: input.shape, weight: context.state.values(weight), bias: nil,
                       output: convOutput.pointer, outputShape: outShape, geometry: geometry, workspace: context.workspace)
        forwardFLOPs = geometry.forwardFLOPs(output: outShape)
        normalization.forward(input: convOutput.pointer, pixels: outShape.pixels, output: output.pointer, training: training)
        self.input = input
        return output
    }

    /// dL/doutput -> dL/d(conv output) through the activation and batch norm -> conv backward.
    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        guard let input else { preconditionFailure("\(name): backward before forward") }
        let shape = convOutput.shape, workspace = context.workspace
        let normGradient = workspace.scratch(shape.count, slot: .first), convGradient = workspace.scratch(shape.count, slot: .second)
        normalization.backward(input: convOutput.pointer, output: output.pointer, outputGradient: outputGradient.pointer, pixels: shape.pixels,
                               normGradient: normGradient, inputGradient: convGradient)
        Conv2D.backward(input: input.pointer, inputShape: input.shape, weight: context.state.values(weight), outputGradient: convGradient,
                        outputShape: shape, inputGradient: inputGradient?.pointer, accumulateInputGradient: accumulate,
                        weightGradient: context.state.gradient(weight), biasGradient: nil, geometry: geometry, workspace: workspace)
    }
}

/// Fills `count` values uniformly in +-1/sqrt(fanIn): PyTorch's default for conv and linear weights
/// (kaiming_uniform with a = sqrt(5)) and biases.
func initializeUniform(_ values: UnsafeMutablePointer<Float>, count: Int, fanIn: Int, _ random: inout SeededGenerator) {
    let bound = 1 / Float(fanIn).squareRoot()
    for i in 0..<count { values[i] = random.uniform(-bound, bound) }
}
