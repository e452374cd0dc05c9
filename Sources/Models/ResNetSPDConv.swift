import Tensor
import Support

/// ResNet-SPD's downsampling unit: Conv2d(in -> w, k, stride 1, no bias) -> space_to_depth (-> 4w, half size)
/// -> BatchNorm2d(4w) -> activation. Keeps the SPD output (the BN input) and the activated output; the conv
/// output lives in workspace scratch only.
public final class ResNetSPDConv: SingleInputLayer {
    public let name: String
    public let geometry: ConvGeometry
    public let weight: StateReference
    let normActivation: BatchNormActivation
    public var batchNorm: BatchNormState { normActivation.batchNorm }
    public var activation: ActivationKind { normActivation.activation }
    private unowned let context: ModelContext
    private let spdOutput = Tensor(), output = Tensor()
    private var input: Tensor?
    /// The input shape of the last forward pass.
    public var lastInputShape: TensorShape? { input?.shape }
    public private(set) var forwardFLOPs: Double = 0

    /// `convName` names the conv module (weight `convName.weight`), `batchNormName` the BN over 4 * outChannels.
    public init(_ context: ModelContext, convName: String, batchNormName: String, geometry: ConvGeometry,
                activation: ActivationKind, batchNorm settings: BatchNormSettings) {
        precondition(geometry.stride == 1, "\(convName): the conv before space_to_depth has stride 1")
        self.context = context
        self.geometry = geometry
        name = convName
        weight = context.state.parameter("\(convName).weight", shape: [geometry.outChannels, geometry.inChannels, geometry.kernel, geometry.kernel],
                                         group: .weight, layout: .convolution(geometry))
        normActivation = BatchNormActivation(context, name: batchNormName, channels: 4 * geometry.outChannels,
                                             activation: activation, settings: settings)
    }

    /// PyTorch's default init: kaiming-uniform conv weight (bound 1/sqrt(fan_in)), BN weight 1, bias 0.
    public func initialize(_ random: inout SeededGenerator) {
        initializeUniform(context.state.values(weight), count: geometry.weightCount, fanIn: geometry.columns, &random)
        normActivation.batchNorm.initialize(context.state)
    }

    /// [N, H, W, in] -> conv [N, H, W, w] -> SPD [N, H/2, W/2, 4w] -> act(BN) [N, H/2, W/2, 4w]
    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let convShape = try geometry.outputShape(for: input.shape, layer: name)
        let spdShape = try SpaceToDepth.outputShape(for: convShape, layer: name)
        let workspace = context.workspace
        let convOutput = workspace.scratch(convShape.count, slot: .first)
        Conv2D.forward(input: input.pointer, inputShape: input.shape, weight: context.state.values(weight), bias: nil,
                       output: convOutput, outputShape: convShape, geometry: geometry, workspace: workspace)
        forwardFLOPs = geometry.forwardFLOPs(output: convShape)
        spdOutput.reshape(spdShape)
        SpaceToDepth.forward(input: convOutput, inputShape: convShape, output: spdOutput.pointer)
        output.reshape(spdShape)
        normActivation.forward(input: spdOutput.pointer, pixels: spdShape.pixels, output: output.pointer, training: training)
        self.input = input
        return output
    }

    /// dL/d(act output) [N, H/2, W/2, 4w] -> dL/d(SPD output) -> dL/d(conv output) [N, H, W, w] -> dL/dinput [N, H, W, in]
    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        guard let input else { preconditionFailure("\(name): backward before forward") }
        let spdShape = spdOutput.shape, workspace = context.workspace
        let convShape = TensorShape(n: spdShape.n, h: 2 * spdShape.h, w: 2 * spdShape.w, c: geometry.outChannels)
        let normGradient = workspace.scratch(spdShape.count, slot: .first), spdGradient = workspace.scratch(spdShape.count, slot: .second)
        normActivation.backward(input: spdOutput.pointer, output: output.pointer, outputGradient: outputGradient.pointer, pixels: spdShape.pixels,
                                normGradient: normGradient, inputGradient: spdGradient)
        let convGradient = normGradient  // free again: same element count as the SPD output
        SpaceToDepth.backward(outputGradient: spdGradient, inputShape: convShape, inputGradient: convGradient, accumulate: false)
        Conv2D.backward(input: input.pointer, inputShape: input.shape, weight: context.state.values(weight), outputGradient: convGradient,
                        outputShape: convShape, inputGradient: inputGradient?.pointer, accumulateInputGradient: accumulate,
                        weightGradient: context.state.gradient(weight), biasGradient: nil, geometry: geometry, workspace: workspace)
    }
}

extension ResNetSPDConv: Initializable {}
