import Foundation
import Tensor
import Support

/// YOLOv5's Detect head: per level a 1x1 Conv2d(ch_i, na * (nc + 5)) with bias. Raw outputs stay in the
/// engine's NHWC layout, [N][ny][nx][na * no] (element (b, a, y, x, k) at ((b*ny + y)*nx + x)*na*no + a*no + k);
/// `decode` produces PyTorch's eval output order.
public final class Detect {
    public let classes: Int
    public let anchorsInPixels: [[(w: Float, h: Float)]]
    public let inputChannels: [Int]
    public var outputsPerAnchor: Int { classes + 5 }
    public var anchorsPerLevel: Int { anchorsInPixels[0].count }
    public var levels: Int { anchorsInPixels.count }
    public let anchorsBuffer: StateReference
    private let convs: [(weight: StateReference, bias: StateReference, geometry: ConvGeometry)]
    private unowned let context: ModelContext
    /// The module name, e.g. `model.24`.
    private let prefix: String
    private let outputs: [Tensor]
    private var inputs: [Tensor] = []
    /// Strides (input pixels per grid cell) of the last forward.
    public private(set) var strides: [Int] = []

    public init(_ context: ModelContext, prefix: String, classes: Int, anchorsInPixels: [[(w: Float, h: Float)]], inputChannels: [Int]) {
        self.context = context
        self.prefix = prefix
        self.classes = classes
        self.anchorsInPixels = anchorsInPixels
        self.inputChannels = inputChannels
        let perAnchor = classes + 5, na = anchorsInPixels[0].count
        anchorsBuffer = context.state.buffer("\(prefix).anchors", shape: [anchorsInPixels.count, na, 2])
        convs = inputChannels.enumerated().map { i, c in
            let g = ConvGeometry(inChannels: c, outChannels: na * perAnchor, kernel: 1)
            return (context.state.parameter("\(prefix).m.\(i).weight", shape: [g.outChannels, c, 1, 1], group: .weight, layout: .convolution(g)),
                    context.state.parameter("\(prefix).m.\(i).bias", shape: [g.outChannels], group: .bias), g)
        }
        outputs = inputChannels.map { _ in Tensor() }
    }

    /// PyTorch default conv init, then YOLOv5's bias priors: objectness += log(8 / (640 / stride)^2),
    /// classes += log(0.6 / (nc - 0.99)); the anchors buffer is set for `strides`.
    func initialize(_ random: inout SeededGenerator, strides: [Int]) {
        let state = context.state
        for (level, conv) in convs.enumerated() {
            let g = conv.geometry
            initializeUniform(state.values(conv.weight), count: g.weightCount, fanIn: g.columns, &random)
            initializeUniform(state.values(conv.bias), count: g.outChannels, fanIn: g.columns, &random)
            let bias = state.values(conv.bias), stride = Float(strides[level])
            for a in 0..<anchorsPerLevel {
                bias[a * outputsPerAnchor + 4] += Float(log(8 / pow(640 / Double(stride), 2)))
                for k in 5..<outputsPerAnchor { bias[a * outputsPerAnchor + k] += Float(log(0.6 / (Double(classes) - 0.99))) }
            }
        }
        setAnchors(strides: strides)
    }

    /// anchors buffer [nl][na][2] = anchor pixels / stride.
    func setAnchors(strides: [Int]) {
        let anchors = context.state.values(anchorsBuffer)
        for (level, levelAnchors) in anchorsInPixels.enumerated() {
            for (a, anchor) in levelAnchors.enumerated() {
                anchors[(level * anchorsPerLevel + a) * 2] = anchor.w / Float(strides[level])
                anchors[(level * anchorsPerLevel + a) * 2 + 1] = anchor.h / Float(strides[level])
            }
        }
    }

    /// Raw outputs per level, [N][ny][nx][na * no].
    public func forward(_ features: [Tensor], imageHeight: Int) throws -> [Tensor] {
        inputs = features
        if strides.count != features.count { strides = [Int](repeating: 0, count: features.count) }
        for (level, conv) in convs.enumerated() {
            let input = features[level]
            let shape = try conv.geometry.outputShape(for: input.shape, layer: "Detect level \(level)")
            outputs[level].reshape(shape)
            Conv2D.forward(input: input.pointer, inputShape: input.shape, weight: context.state.values(conv.weight), bias: context.state.values(conv.bias),
                           output: outputs[level].pointer, outputShape: shape, geometry: conv.geometry, workspace: context.workspace)
            strides[level] = imageHeight / shape.h
        }
        return outputs
    }

    public var forwardFLOPs: Double {
        zip(convs, outputs).reduce(0) { $0 + $1.0.geometry.forwardFLOPs(output: $1.1.shape) }
    }

    /// From d(loss)/d(raw output) per level: parameter gradients (+=) and feature gradients.
    public func backward(_ outputGradients: [Tensor], inputGradients: [Tensor?], accumulate: [Bool]) {
        for (level, conv) in convs.enumerated() {
            Conv2D.backward(input: inputs[level].pointer, inputShape: inputs[level].shape, weight: context.state.values(conv.weight),
                            outputGradient: outputGradients[level].pointer, outputShape: outputs[level].shape,
                            inputGradient: inputGradients[level]?.pointer, accumulateInputGradient: accumulate[level],
                            weightGradient: context.state.gradient(conv.weight), biasGradient: context.state.gradient(conv.bias),
                            geometry: conv.geometry, workspace: context.workspace)
        }
    }

    /// The head's convolutions with their input shapes from the last forward.
    public var convolutions: [ConvolutionShape] {
        zip(convs.indices, inputs).map { level, input in
            ConvolutionShape(name: "\(prefix).m.\(level)", geometry: convs[level].geometry, inputShape: input.shape, hasBias: true)
        }
    }

    /// Each level's 1x1 convolution: its weight and bias and geometry.
    public var levelConvolutions: [(weight: StateReference, bias: StateReference, geometry: ConvGeometry)] { convs }

    /// The raw outputs of the last forward, per level.
    public var lastOutputs: [Tensor] { outputs }

    /// Number of predictions per image of the last forward: sum of na * ny * nx.
    public var predictionsPerImage: Int { outputs.reduce(0) { $0 + anchorsPerLevel * $1.shape.h * $1.shape.w } }

    /// Eval decode of the last forward, PyTorch's order and values: output[b][i][0..<no] with i running over
    /// levels, then anchors, rows, columns; xy = (2s - 0.5 + grid) * stride, wh = (2s)^2 * anchor, rest = s.
    public func decode(into output: UnsafeMutablePointer<Float>) {
        let no = outputsPerAnchor, na = anchorsPerLevel, perImage = predictionsPerImage
        var levelStart = 0
        for (level, raw) in outputs.enumerated() {
            let s = raw.shape, stride = Float(strides[level])
            for b in 0..<s.n {
                for a in 0..<na {
                    let anchor = anchorsInPixels[level][a]
                    for y in 0..<s.h {
                        for x in 0..<s.w {
                            let source = raw.pointer + ((b * s.h + y) * s.w + x) * na * no + a * no
                            let destination = output + (b * perImage + levelStart + (a * s.h + y) * s.w + x) * no
                            Activation.sigmoidForward(input: source, output: destination, count: no)
                            destination[0] = (destination[0] * 2 - 0.5 + Float(x)) * stride
                            destination[1] = (destination[1] * 2 - 0.5 + Float(y)) * stride
                            destination[2] = (destination[2] * 2) * (destination[2] * 2) * anchor.w
                            destination[3] = (destination[3] * 2) * (destination[3] * 2) * anchor.h
                        }
                    }
                }
            }
            levelStart += na * s.h * s.w
        }
    }
}
