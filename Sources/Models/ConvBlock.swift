import Tensor

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
/// Keeps only the conv output; the normalised values are recomputed in backward to save memory.
public final class ConvBlock: SingleInputLayer {
    public let name: String
    public let geometry: ConvGeometry
    public let activation: ActivationKind
    public let batchNorm: BatchNormState
    public let weight: StateReference
    private unowned let context: ModelContext
    private let convOutput = Tensor(), output = Tensor()
    private var input: Tensor?
    /// The input shape of the last forward pass.
    public var lastInputShape: TensorShape? { input?.shape }
    /// Statistics of the last forward: mean[C], invStd[C], scratch[3C]; moments in Double [2C] plus the pixel count
    /// they cover (summed over replicas with synchronised batch norm).
    private var statistics: [Float], moments: [Double]
    public private(set) var forwardFLOPs: Double = 0

    /// `convName` names the conv weight's module (e.g. `model.1.conv`), `batchNormName` the BN module (`model.1.bn`).
    public init(_ context: ModelContext, convName: String, batchNormName: String, geometry: ConvGeometry,
                activation: ActivationKind, batchNorm settings: BatchNormSettings) {
        self.context = context
        self.geometry = geometry
        self.activation = activation
        name = convName
        weight = context.state.parameter("\(convName).weight", shape: [geometry.outChannels, geometry.inChannels, geometry.kernel, geometry.kernel],
                                         group: .weight, layout: .convolution(geometry))
        batchNorm = BatchNormState(context, name: batchNormName, channels: geometry.outChannels, settings: settings)
        statistics = [Float](repeating: 0, count: 5 * geometry.outChannels)
        moments = [Double](repeating: 0, count: 2 * geometry.outChannels + 1)
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

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let outShape = try geometry.outputShape(for: input.shape, layer: name)
        let state = context.state, c = geometry.outChannels, pixels = outShape.pixels
        convOutput.reshape(outShape)
        output.reshape(outShape)
        Conv2D.forward(input: input.pointer, inputShape: input.shape, weight: state.values(weight), bias: nil,
                       output: convOutput.pointer, outputShape: outShape, geometry: geometry, workspace: context.workspace)
        forwardFLOPs = geometry.forwardFLOPs(output: outShape)
        statistics.withUnsafeMutableBufferPointer { stats in
            let mean = stats.baseAddress!, invStd = mean + c, scratch = mean + 2 * c
            if training {
                moments.withUnsafeMutableBufferPointer { m in
                    m.update(repeating: 0)
                    BatchNorm.addMoments(input: convOutput.pointer, pixels: pixels, channels: c, moments: m.baseAddress!, scratch: scratch)
                    m[2 * c] = Double(pixels)
                    context.statisticsReducer?.sumAcrossReplicas(m)
                    BatchNorm.statistics(moments: m.baseAddress!, count: Int(m[2 * c]), channels: c, eps: batchNorm.settings.eps,
                                         momentum: batchNorm.settings.momentum, mean: mean, invStd: invStd,
                                         runningMean: state.values(batchNorm.runningMean), runningVar: state.values(batchNorm.runningVar))
                }
                state.increment(batchNorm.batchesTracked)
            } else {
                BatchNorm.inferenceStatistics(runningMean: state.values(batchNorm.runningMean), runningVar: state.values(batchNorm.runningVar),
                                              channels: c, eps: batchNorm.settings.eps, mean: mean, invStd: invStd)
            }
            BatchNorm.normalizeActivate(input: convOutput.pointer, pixels: pixels, channels: c, mean: mean, invStd: invStd,
                                        gamma: state.values(batchNorm.weight), beta: state.values(batchNorm.bias), activation: activation,
                                        output: output.pointer, scratch: scratch)
        }
        self.input = input
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        guard let input else { preconditionFailure("\(name): backward before forward") }
        let state = context.state, c = geometry.outChannels, shape = convOutput.shape, pixels = shape.pixels
        let workspace = context.workspace
        let normGradient = workspace.scratch(shape.count, slot: .first), convGradient = workspace.scratch(shape.count, slot: .second)
        statistics.withUnsafeMutableBufferPointer { stats in
            let mean = UnsafePointer(stats.baseAddress!), invStd = mean + c, scratch = stats.baseAddress! + 2 * c
            let gamma = state.values(batchNorm.weight)
            moments.withUnsafeMutableBufferPointer { m in
                m.update(repeating: 0)
                // dL/d(BN output before the activation), and the sums batch norm's backward needs, in one pass.
                BatchNorm.activationBackwardMoments(input: convOutput.pointer, output: output.pointer, outputGradient: outputGradient.pointer, pixels: pixels, channels: c,
                                                    mean: mean, invStd: invStd, gamma: gamma, beta: state.values(batchNorm.bias),
                                                    activation: activation, normGradient: normGradient, sums: m.baseAddress!, scratch: scratch)
                // Parameter gradients from this replica's sums (they are averaged with the other gradients later);
                // the input gradient from the sums over all replicas when batch norm is synchronised.
                BatchNorm.addParameterGradients(sums: m.baseAddress!, channels: c, gammaGradient: state.gradient(batchNorm.weight),
                                                betaGradient: state.gradient(batchNorm.bias))
                m[2 * c] = Double(pixels)
                context.statisticsReducer?.sumAcrossReplicas(m)
                BatchNorm.inputGradient(input: convOutput.pointer, outputGradient: normGradient, pixels: pixels, channels: c, mean: mean,
                                        invStd: invStd, gamma: gamma, sums: m.baseAddress!, count: Int(m[2 * c]),
                                        inputGradient: convGradient, accumulate: false, scratch: scratch)
            }
        }
        Conv2D.backward(input: input.pointer, inputShape: input.shape, weight: state.values(weight), outputGradient: convGradient,
                        outputShape: shape, inputGradient: inputGradient?.pointer, accumulateInputGradient: accumulate,
                        weightGradient: state.gradient(weight), biasGradient: nil, geometry: geometry, workspace: workspace)
    }
}

/// Fills `count` values uniformly in +-1/sqrt(fanIn): PyTorch's default for conv and linear weights
/// (kaiming_uniform with a = sqrt(5)) and biases.
func initializeUniform(_ values: UnsafeMutablePointer<Float>, count: Int, fanIn: Int, _ random: inout SeededGenerator) {
    let bound = 1 / Float(fanIn).squareRoot()
    for i in 0..<count { values[i] = random.uniform(-bound, bound) }
}
