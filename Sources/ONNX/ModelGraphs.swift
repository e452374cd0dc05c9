import KernelInterface
import Models
import TensorFiles

/// The opset of exported graphs: Slice with steps, Resize without roi, and every other operator used here.
public let exportedOpset = 13

/// Inference graphs (eval mode: batch norm with running statistics) of built models, with their current weights, in
/// NCHW as PyTorch and YOLOv5's export write them. Initializers keep the reference state_dict names.
public enum ModelGraphs {
    /// A YOLOv5-format detector for images of `imageSize` x `imageSize` (a multiple of the model's stride): input
    /// `images` [batch, 3, H, W], output `output` [batch, predictions, nc + 5], the Detect head decoded as YOLOv5's
    /// export does (xywh in input pixels, objectness and class scores after the sigmoid), in the order of
    /// `Detect.decode`: levels, then anchors, rows, columns.
    public static func detection(_ model: DetectionModel, imageSize: Int) throws -> ONNXGraph {
        try model.checkFits(imageSize: imageSize, batch: 1, training: false)
        let graph = ONNXGraph(name: "spdtrain-detection")
        let writer = LayerWriter(graph: graph, state: model.state)
        let images = graph.addInput("images", dimensions: [.symbolic("batch"), .fixed(3), .fixed(imageSize), .fixed(imageSize)])
        var outputs: [String] = []
        for (row, layer) in zip(model.rows, model.layers) {
            let inputs = row.from.map { $0 < 0 ? images : outputs[$0] }
            outputs.append(try writer.write(layer, inputs: inputs, name: "model.\(row.index)"))
        }
        let detectRow = model.rows.last!
        let features = detectRow.from.map { outputs[$0] }
        let detect = model.detect
        var levelOutputs: [String] = []
        var predictions = 0
        for (level, feature) in features.enumerated() {
            let stride = model.maximumStride >> (detect.levels - 1 - level)
            let side = imageSize / stride
            levelOutputs.append(writer.detectLevel(detect, level: level, feature: feature, gridSide: side, stride: stride,
                                                   name: "model.\(detectRow.index).m.\(level)"))
            predictions += detect.anchorsPerLevel * side * side
        }
        let decoded = graph.node("Concat", levelOutputs, name: "model.\(detectRow.index).cat", [("axis", .int(1))])
        graph.addOutput(decoded, name: "output", dimensions: [.symbolic("batch"), .fixed(predictions), .fixed(detect.outputsPerAnchor)])
        return graph
    }

    /// A ResNet classifier for images of `imageSize` x `imageSize`: input `images` [batch, 3, H, W], output `logits`
    /// [batch, classes].
    public static func classification(_ model: ClassificationModel, imageSize: Int) throws -> ONNXGraph {
        try model.checkFits(imageSize: imageSize, batch: 1, training: false)
        let graph = ONNXGraph(name: "spdtrain-classification")
        let writer = LayerWriter(graph: graph, state: model.state)
        var x = graph.addInput("images", dimensions: [.symbolic("batch"), .fixed(3), .fixed(imageSize), .fixed(imageSize)])
        for layer in model.layers { x = try writer.write(layer, inputs: [x], name: "layer") }
        graph.addOutput(x, name: "logits", dimensions: [.symbolic("batch"), .fixed(model.classes)])
        return graph
    }
}

/// A layer of a model that has no ONNX form here.
public struct UnsupportedLayer: Error, CustomStringConvertible {
    public let layer: String
    public var description: String { "cannot export \(layer) to ONNX" }
}

/// Writes layers as ONNX nodes, reading their weights from the model state in PyTorch layouts.
private struct LayerWriter {
    let graph: ONNXGraph
    let state: ModelState
    let tensors: [String: NamedTensor]

    init(graph: ONNXGraph, state: ModelState) {
        self.graph = graph
        self.state = state
        tensors = Dictionary(state.namedTensors().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The state entry `reference` as an initializer under its reference name.
    private func initializer(_ reference: StateReference) -> String {
        let name = state.entries[reference.index].name
        guard let tensor = tensors[name], case let .floats(values) = tensor.values else { preconditionFailure("\(name): not a float tensor of the state") }
        return graph.floats(name, dims: tensor.shape, values)
    }

    /// `layer` applied to `inputs` (NCHW value names); returns its output's value name.
    func write(_ layer: Layer, inputs: [String], name: String) throws -> String {
        switch layer {
        case is ConcatLayer:
            return graph.node("Concat", inputs, name: "\(name).cat", [("axis", .int(1))])
        case let single as SingleInputLayer:
            return try write(single, input: inputs[0], name: name)
        default:
            throw UnsupportedLayer(layer: "\(name) (\(type(of: layer)))")
        }
    }

    private func write(_ layer: SingleInputLayer, input x: String, name: String) throws -> String {
        switch layer {
        case let conv as ConvBlock:
            return convBlock(conv, x)
        case let sequence as Sequential:
            return try sequence.layers.reduce(x) { try write($1, input: $0, name: name) }
        case let bottleneck as Bottleneck:
            return bottleneckOutput(bottleneck, x)
        case let c3 as C3:
            let chain = c3.bottlenecks.reduce(convBlock(c3.cv1, x)) { bottleneckOutput($1, $0) }
            let side = convBlock(c3.cv2, x)
            return convBlock(c3.cv3, graph.node("Concat", [chain, side], name: "\(c3.cv3.name).input", [("axis", .int(1))]))
        case let sppf as SPPF:
            let first = convBlock(sppf.cv1, x)
            var pooled = [first]
            for _ in 0..<3 {
                pooled.append(graph.node("MaxPool", [pooled.last!], name: "\(sppf.cv1.name).pool", [
                    ("kernel_shape", .ints([sppf.kernel, sppf.kernel])), ("strides", .ints([1, 1])),
                    ("pads", .ints([sppf.kernel / 2, sppf.kernel / 2, sppf.kernel / 2, sppf.kernel / 2])),
                ]))
            }
            return convBlock(sppf.cv2, graph.node("Concat", pooled, name: "\(sppf.cv2.name).input", [("axis", .int(1))]))
        case let focus as Focus:
            return convBlock(focus.conv, spaceToDepth(x, name: focus.conv.name))
        case let spd as SpaceToDepthLayer:
            return spaceToDepth(x, name: spd.name)
        case is UpsampleLayer:
            return graph.node("Resize", [x, "", graph.floats("\(name).scales", dims: [4], [1, 1, 2, 2])], name: "\(name).upsample", [
                ("mode", .string("nearest")), ("coordinate_transformation_mode", .string("asymmetric")), ("nearest_mode", .string("floor")),
            ])
        case let spdConv as ResNetSPDConv:
            let conv = convolution(x, weight: initializer(spdConv.weight), bias: nil, geometry: spdConv.geometry, name: spdConv.name)
            return batchNormActivation(spaceToDepth(conv, name: spdConv.name), spdConv.batchNorm, spdConv.activation, name: spdConv.name)
        case let block as ResNetBlock:
            let residual = try write(block.residual, input: x, name: block.name)
            let skip = block.shortcut.map { convBlock($0, x) } ?? x
            return graph.node("Relu", [graph.node("Add", [residual, skip], name: "\(block.name).add")], name: "\(block.name).relu")
        case let classifier as ResNetClassifier:
            let pooled = graph.node("GlobalAveragePool", [x], name: "\(classifier.name).pool")
            let flat = graph.node("Flatten", [pooled], name: "\(classifier.name).flatten", [("axis", .int(1))])
            return graph.node("Gemm", [flat, initializer(classifier.weight), initializer(classifier.bias)], name: classifier.name, [("transB", .int(1))])
        default:
            throw UnsupportedLayer(layer: "\(name) (\(type(of: layer)))")
        }
    }

    private func bottleneckOutput(_ bottleneck: Bottleneck, _ x: String) -> String {
        let y = convBlock(bottleneck.cv2, convBlock(bottleneck.cv1, x))
        return bottleneck.adds ? graph.node("Add", [x, y], name: "\(bottleneck.cv2.name).add") : y
    }

    /// Conv2d (no bias) -> BatchNorm2d -> activation.
    private func convBlock(_ block: ConvBlock, _ x: String) -> String {
        let conv = convolution(x, weight: initializer(block.weight), bias: nil, geometry: block.geometry, name: block.name)
        return batchNormActivation(conv, block.batchNorm, block.activation, name: block.name)
    }

    private func convolution(_ x: String, weight: String, bias: String?, geometry g: ConvGeometry, name: String) -> String {
        graph.node("Conv", [x, weight] + (bias.map { [$0] } ?? []), name: name, [
            ("kernel_shape", .ints([g.kernel, g.kernel])), ("strides", .ints([g.stride, g.stride])),
            ("pads", .ints([g.padding, g.padding, g.padding, g.padding])),
        ])
    }

    private func batchNormActivation(_ x: String, _ batchNorm: BatchNormState, _ activation: ActivationKind, name: String) -> String {
        let normalized = graph.node("BatchNormalization", [
            x, initializer(batchNorm.weight), initializer(batchNorm.bias), initializer(batchNorm.runningMean), initializer(batchNorm.runningVar),
        ], name: "\(name).bn", [("epsilon", .float(batchNorm.settings.eps))])
        switch activation {
        case .identity: return normalized
        case .relu: return graph.node("Relu", [normalized], name: "\(name).relu")
        case .silu: return graph.node("Mul", [normalized, graph.node("Sigmoid", [normalized], name: "\(name).sigmoid")], name: "\(name).silu")
        }
    }

    /// The SPD-Conv reference order: cat(x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]).
    private func spaceToDepth(_ x: String, name: String) -> String {
        let end = graph.int64s([Int64.max, Int64.max]), axes = graph.int64s([2, 3]), steps = graph.int64s([2, 2])
        let parts = [(0, 0), (1, 0), (0, 1), (1, 1)].map { row, column in
            graph.node("Slice", [x, graph.int64s([Int64(row), Int64(column)]), end, axes, steps], name: "\(name).spd")
        }
        return graph.node("Concat", parts, name: "\(name).spd", [("axis", .int(1))])
    }

    /// One Detect level: the 1x1 conv, [batch, na * no, ny, nx] -> [batch, na, ny, nx, no], the sigmoid, then
    /// xy = (2s - 0.5 + grid) * stride and wh = (2s)^2 * anchor as in `Detect.decode`, flattened to
    /// [batch, na * ny * nx, no].
    func detectLevel(_ detect: Detect, level: Int, feature: String, gridSide side: Int, stride: Int, name: String) -> String {
        let conv = detect.levelConvolutions[level]
        let na = detect.anchorsPerLevel, no = detect.outputsPerAnchor
        let raw = convolution(feature, weight: initializer(conv.weight), bias: initializer(conv.bias), geometry: conv.geometry, name: name)
        let split = graph.node("Reshape", [raw, graph.int64s([-1, Int64(na), Int64(no), Int64(side), Int64(side)])], name: "\(name).view")
        let cells = graph.node("Transpose", [split], name: "\(name).permute", [("perm", .ints([0, 1, 3, 4, 2]))])
        let scores = graph.node("Sigmoid", [cells], name: "\(name).sigmoid")
        let lastAxis = graph.int64s([4]), step = graph.int64s([1])
        func slice(_ from: Int64, _ to: Int64) -> String {
            graph.node("Slice", [scores, graph.int64s([from]), graph.int64s([to]), lastAxis, step], name: "\(name).slice")
        }
        var grid: [Float] = []
        grid.reserveCapacity(side * side * 2)
        for y in 0..<side { for x in 0..<side { grid += [Float(x), Float(y)] } }
        let gridValues = graph.floats("\(name).grid", dims: [1, 1, side, side, 2], grid)
        let two = graph.scalar(2)
        let doubledXY = graph.node("Mul", [slice(0, 2), two], name: "\(name).xy")
        let shifted = graph.node("Add", [graph.node("Sub", [doubledXY, graph.scalar(0.5)], name: "\(name).xy"), gridValues], name: "\(name).xy")
        let xy = graph.node("Mul", [shifted, graph.scalar(Float(stride))], name: "\(name).xy")
        let doubledWH = graph.node("Mul", [slice(2, 4), two], name: "\(name).wh")
        let anchors = detect.anchorsInPixels[level].flatMap { [$0.w, $0.h] }
        let anchorGrid = graph.floats("\(name).anchor_grid", dims: [1, na, 1, 1, 2], anchors)
        let wh = graph.node("Mul", [graph.node("Mul", [doubledWH, doubledWH], name: "\(name).wh"), anchorGrid], name: "\(name).wh")
        let decoded = graph.node("Concat", [xy, wh, slice(4, Int64(no))], name: "\(name).decoded", [("axis", .int(-1))])
        return graph.node("Reshape", [decoded, graph.int64s([-1, Int64(na * side * side), Int64(no)])], name: "\(name).flat")
    }
}
