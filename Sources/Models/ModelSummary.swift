import Tensor

/// The layer table `spd model summary` prints: index, from, repeats, parameters, module, arguments and
/// output shape, then totals and GFLOPs at the image size of the last forward.
public struct ModelSummary {
    public let model: DetectionModel
    public let imageSize: Int

    public init(model: DetectionModel, imageSize: Int) {
        self.model = model
        self.imageSize = imageSize
    }

    public var rendered: String {
        let shapes = model.outputShapes
        var lines = [pad("", 3) + pad("from", 14) + pad("n", 4) + pad("params", 11) + "  " + padRight("module", 16) + padRight("arguments", 34) + "output (C x H x W)"]
        for row in model.rows {
            let written = model.definition.rows[row.index].from
            let from = written.count == 1 ? "\(written[0])" : "\(written)"
            let shape = shapes[row.index].map { "\($0.c)x\($0.h)x\($0.w)" } ?? "3 levels"
            lines.append(pad("\(row.index)", 3) + pad(from, 14) + pad("\(row.number)", 4) + pad("\(row.parameterCount)", 11) + "  "
                         + padRight(row.module, 16) + padRight("[" + row.arguments.joined(separator: ", ") + "]", 34) + shape)
        }
        let state = model.state
        let gflops = 2 * model.forwardFLOPs / 2 / 1e9
        lines.append("")
        lines.append("\(model.definition.file): \(model.rows.count) rows, \(state.parameterCount) parameters in \(state.parameterTensorCount) tensors "
                     + "(\(state.entries.count) state_dict entries), \(formatGFLOPs(gflops)) GFLOPs at \(imageSize)x\(imageSize)")
        return lines.joined(separator: "\n")
    }

    private func formatGFLOPs(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return "\(rounded)"
    }
}

func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
func padRight(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(1, width - text.count)) }
