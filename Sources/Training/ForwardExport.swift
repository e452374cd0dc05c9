import DetectionLoss
import Foundation
import Support
import Models
import Tensor
import TensorFiles

/// `spd model forward`: runs a detection model on an NCHW float32 .npy batch and writes what PyTorch would
/// give for the same weights, so a port can be checked tensor by tensor:
/// `raw_level{i}.npy` (N, na, ny, nx, no), in eval mode `decoded.npy` (N, predictions, no), and with targets
/// `loss.json` (total x batch, box/obj/cls, targets per level) plus `gradients.safetensors` (every parameter's
/// gradient under its reference name).
public struct ForwardExport {
    public var model: DetectionModel
    public var training: Bool

    public init(model: DetectionModel, training: Bool) {
        self.model = model
        self.training = training
    }

    /// Reads an (N, 3, H, W) float32 .npy into the engine's NHWC layout.
    public static func readImages(_ path: String) throws -> Tensor {
        let array = try NPYArray(contentsOf: path)
        guard array.shape.count == 4, array.shape[1] == 3 else {
            throw FileProblem(file: path, message: "expected an (N, 3, H, W) array, got shape \(array.shape)")
        }
        let (n, h, w) = (array.shape[0], array.shape[2], array.shape[3])
        let values = try array.floats()
        let images = Tensor(TensorShape(n: n, h: h, w: w, c: 3))
        for b in 0..<n { for c in 0..<3 { for p in 0..<(h * w) { images.pointer[(b * h * w + p) * 3 + c] = values[(b * 3 + c) * h * w + p] } } }
        return images
    }

    /// Reads targets: an (M, 6) array of rows (image, class, x, y, w, h) with normalised centre boxes.
    public static func readTargets(_ path: String) throws -> [DetectionTarget] {
        let array = try NPYArray(contentsOf: path)
        guard array.shape.count == 2, array.shape[1] == 6 else {
            throw FileProblem(file: path, message: "expected an (M, 6) array of (image, class, x, y, w, h) rows, got shape \(array.shape)")
        }
        let values = array.dtype == .i64 ? try array.int64s().map(Float.init) : try array.floats()
        return (0..<array.shape[0]).map { i in
            let row = values[(6 * i)..<(6 * i + 6)].map { $0 }
            return DetectionTarget(image: Int(row[0]), classIndex: Int(row[1]), x: row[2], y: row[3], w: row[4], h: row[5])
        }
    }

    /// Runs the model (and the loss with its backward when targets are given) and writes the outputs into `directory`.
    public func run(images: Tensor, targets: [DetectionTarget]?, hyperparameters: LossHyperparameters, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let detect = model.detect, na = detect.anchorsPerLevel, no = detect.outputsPerAnchor
        var breakdown: LossBreakdown?
        let levels: [Tensor]
        if let targets {
            let step = try DetectionStep(model: model, hyperparameters: hyperparameters)
            model.state.zeroGradients()
            breakdown = try step.run(images: images, targets: targets, training: training)
            levels = detect.lastOutputs
        } else {
            levels = try model.forward(images, training: training)
        }
        for (i, level) in levels.enumerated() {
            let s = level.shape
            try NPYWriter.write(.floats(pytorchHeadLayout(level, anchors: na)), dtype: .f32, shape: [s.n, na, s.h, s.w, no],
                                to: "\(directory)/raw_level\(i).npy")
        }
        if !training {
            var decoded = [Float](repeating: 0, count: images.shape.n * detect.predictionsPerImage * no)
            decoded.withUnsafeMutableBufferPointer { detect.decode(into: $0.baseAddress!) }
            try NPYWriter.write(.floats(decoded), dtype: .f32, shape: [images.shape.n, detect.predictionsPerImage, no], to: "\(directory)/decoded.npy")
        }
        if let breakdown {
            let report: [String: Any] = [
                "loss_total_x_batch": breakdown.total, "box": breakdown.box, "obj": breakdown.objectness, "cls": breakdown.classification,
                "targets_per_level": breakdown.targetsPerLevel, "training_mode": training,
            ]
            let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: "\(directory)/loss.json"), options: .atomic)
            try SafeTensorsWriter.write(tensors: model.state.namedGradients(), metadata: ["format": "pt"], to: "\(directory)/gradients.safetensors")
        }
    }
}

/// A raw head level [N][ny][nx][na * no] in PyTorch's (N, na, ny, nx, no) order.
public func pytorchHeadLayout(_ level: Tensor, anchors na: Int) -> [Float] {
    let s = level.shape, no = s.c / na
    var out = [Float](repeating: 0, count: s.count)
    for b in 0..<s.n { for a in 0..<na { for y in 0..<s.h { for x in 0..<s.w {
        let source = level.pointer + ((b * s.h + y) * s.w + x) * s.c + a * no
        for k in 0..<no { out[(((b * na + a) * s.h + y) * s.w + x) * no + k] = source[k] }
    } } } }
    return out
}

/// `spd model forward` for a classifier (the ResNet family): logits.npy (N, classes) for an NCHW batch; with labels,
/// loss.json (mean cross-entropy, as torch.nn.CrossEntropyLoss) and gradients.safetensors (every parameter's gradient
/// under its reference name), so a ResNet port is checked the same way as a detector.
public struct ClassifierForwardExport {
    public var model: ClassificationModel
    public var training: Bool

    public init(model: ClassificationModel, training: Bool) {
        self.model = model
        self.training = training
    }

    /// Reads labels: an int64 (or float) .npy of N class indices, each in 0 ..< classes.
    public static func readLabels(_ path: String, classes: Int) throws -> [Int] {
        let array = try NPYArray(contentsOf: path)
        guard array.shape.count == 1 else { throw FileProblem(file: path, message: "expected an (N,) array of class indices, got shape \(array.shape)") }
        let labels = array.dtype == .i64 ? try array.int64s().map(Int.init) : try array.floats().map { Int($0) }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw FileProblem(file: path, message: "class index \(bad) is outside 0..<\(classes)")
        }
        return labels
    }

    public func run(images: Tensor, labels: [Int]?, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let labels, labels.count != images.shape.n {
            throw FileProblem(file: directory, message: "\(labels.count) labels for a batch of \(images.shape.n) images")
        }
        let logits = try model.forward(images, training: training)
        let n = images.shape.n, c = model.classes
        try NPYWriter.write(.floats(Array(UnsafeBufferPointer(start: logits.pointer, count: n * c))), dtype: .f32, shape: [n, c],
                            to: "\(directory)/logits.npy")
        guard let labels else { return }
        model.state.zeroGradients()
        let gradient = Tensor(logits.shape)
        let loss = try Loss.softmaxCrossEntropy(logits: logits.pointer, labels: labels, classes: c, gradient: gradient.pointer)
        model.backward(gradient)
        let report: [String: Any] = ["loss": loss, "training_mode": training, "batch": n]
        try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: "\(directory)/loss.json"), options: .atomic)
        try SafeTensorsWriter.write(tensors: model.state.namedGradients(), metadata: ["format": "pt"], to: "\(directory)/gradients.safetensors")
    }
}
