import Foundation
import Tensor

/// The layer table `spd model summary` prints for a ResNet: one row per layer (stem, each residual block by stage
/// and index, classifier) with its parameters, module, arguments (input and output channels, stride) and output
/// shape, then totals and GFLOPs. Built by running one image of `imageSize` x `imageSize` through the layers.
public struct ResNetSummary {
    /// One layer of the table.
    public struct Row: Sendable {
        /// The module name: `conv1`, `conv2_x.0`, ..., `fc`.
        public let name: String
        public let module: String
        public let parameters: Int
        public let inputShape: TensorShape
        public let outputShape: TensorShape
        public let forwardFLOPs: Double
    }

    public let model: ClassificationModel
    public let imageSize: Int
    public let rows: [Row]

    /// Runs a zero image through the model layer by layer (eval mode) to record each layer's shapes and FLOPs.
    public init(model: ClassificationModel, imageSize: Int) throws {
        self.model = model
        self.imageSize = imageSize
        var x = Tensor(TensorShape(n: 1, h: imageSize, w: imageSize, c: 3))
        var rows: [Row] = []
        for layer in model.layers {
            let input = x.shape
            x = try layer.forward(x, training: false)
            let (name, module) = Self.describe(layer, definition: model.definition, downsamples: x.shape.h < input.h)
            rows.append(Row(name: name, module: module, parameters: Self.parameters(named: name, in: model.state), inputShape: input,
                            outputShape: x.shape, forwardFLOPs: layer.forwardFLOPs))
        }
        self.rows = rows
    }

    /// Forward GFLOPs of one image (2 per multiply-add, conv and linear layers).
    public var gflops: Double { rows.reduce(0) { $0 + $1.forwardFLOPs } / 1e9 }

    public var rendered: String {
        var lines = [pad("", 3) + "  " + padRight("layer", 11) + pad("params", 11) + "  " + padRight("module", 16) + padRight("arguments", 20)
                     + padRight("output (C x H x W)", 20) + pad("GFLOPs", 8)]
        for (index, row) in rows.enumerated() {
            let stride = row.inputShape.h / max(row.outputShape.h, 1)
            let arguments = row.name == "fc" ? "[\(row.inputShape.c), \(row.outputShape.c)]" : "[\(row.inputShape.c), \(row.outputShape.c), \(stride)]"
            lines.append(pad("\(index)", 3) + "  " + padRight(row.name, 11) + pad("\(row.parameters)", 11) + "  " + padRight(row.module, 16)
                         + padRight(arguments, 20) + padRight("\(row.outputShape.c)x\(row.outputShape.h)x\(row.outputShape.w)", 20)
                         + pad(String(format: "%.3f", row.forwardFLOPs / 1e9), 8))
        }
        let state = model.state
        lines.append("")
        lines.append("\(model.definition.file): \(rows.count) layers, \(state.parameterCount) parameters in \(state.parameterTensorCount) tensors "
                     + "(\(state.entries.count) state_dict entries), \((gflops * 100).rounded() / 100) GFLOPs at \(imageSize)x\(imageSize)")
        return lines.joined(separator: "\n")
    }

    /// The layer's module name and kind: the stem (`Focus`: space_to_depth + 1x1 conv, or a 3x3 `Conv`), a residual
    /// block (`BasicBlock`/`BottleNeck`, `-SPD` when it downsamples with space_to_depth), or the pooled `Linear` head.
    private static func describe(_ layer: SingleInputLayer, definition: ResNetDefinition, downsamples: Bool) -> (String, String) {
        switch layer {
        case let block as ResNetBlock:
            let kind = definition.block == .basic ? "BasicBlock" : "BottleNeck"
            return (block.name, definition.spd && downsamples ? kind + "-SPD" : kind)
        case let classifier as ResNetClassifier:
            return (classifier.name, "AvgPool+Linear")
        default:
            return ("conv1", definition.spd ? "Focus" : "Conv")
        }
    }

    /// Parameters registered under `name.` in the state dict.
    private static func parameters(named name: String, in state: ModelState) -> Int {
        state.entries.filter { $0.kind.isParameter && $0.name.hasPrefix(name + ".") }.reduce(0) { $0 + $1.count }
    }
}
