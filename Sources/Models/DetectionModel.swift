import Foundation
import Tensor
import Support

/// One built row of a detection model: what the summary table shows.
public struct BuiltRow: Sendable {
    public let index: Int
    /// Absolute source rows (-1 resolved); the model input is -1 for row 0.
    public let from: [Int]
    public let number: Int
    public let module: String
    public let arguments: [String]
    public let outputChannels: Int
    /// Input pixels per output pixel along each side.
    public let downsampling: Int
    public let parameterCount: Int
}

/// A YOLOv5-format detection model built from a model file: a graph of layers with a Detect head.
public final class DetectionModel {
    public let definition: ModelDefinition
    public let context: ModelContext
    public var state: ModelState { context.state }
    public let rows: [BuiltRow]
    public let detect: Detect
    /// Input downsampling of the deepest level: image sides must be multiples of it.
    public let maximumStride: Int
    /// The layers of every row but the last (Detect).
    public let layers: [Layer]
    private var inputsOf: [[Tensor]]
    private var outputs: [Tensor?]
    private var featureInputs: [Tensor]
    private let gradients: [Tensor]
    private var inputGradientsOf: [[Tensor?]]
    /// accumulateOf[i][j]: whether row i's backward adds to (rather than writes) the gradient of its j-th input.
    private let accumulateOf: [[Bool]]
    private let detectAccumulate: [Bool]
    private let detectInputGradients: [Tensor?]
    /// parametersBefore[i]: parameters registered by rows before row i (the Detect row is index layers.count).
    private let parametersBefore: [Int]
    private var image = Tensor()

    /// Builds the model; `classes` overrides the file's nc. Parameters are initialised with `seed`.
    public init(definition: ModelDefinition, classes: Int? = nil, seed: UInt64 = 0, context: ModelContext = ModelContext()) throws {
        var definition = definition
        if let classes {
            guard (1...ModelLimits.maximumClasses).contains(classes) else {
                throw FileProblem(file: definition.file, message: "the number of classes must be from 1 to \(ModelLimits.maximumClasses), got \(classes)")
            }
            definition.classes = classes
        }
        self.definition = definition
        self.context = context
        let built = try DetectionModelBuilder(definition: definition, context: context).build()
        rows = built.rows
        layers = built.layers
        detect = built.detect
        maximumStride = built.maximumStride
        let count = layers.count
        inputsOf = rows.dropLast().map { row in row.from.map { _ in Tensor() } }
        outputs = [Tensor?](repeating: nil, count: count)
        featureInputs = detect.inputChannels.map { _ in Tensor() }
        gradients = (0..<count).map { _ in Tensor() }
        inputGradientsOf = rows.dropLast().map { row in row.from.map { $0 < 0 ? nil : Tensor() } }
        // Backward runs rows in reverse: the first consumer of a row to run writes its gradient, later ones add.
        var written = Set<Int>()
        let detectSources = rows.last!.from
        detectAccumulate = detectSources.map { written.insert($0).inserted == false }
        var accumulate = [[Bool]](repeating: [], count: count)
        for i in (0..<count).reversed() {
            accumulate[i] = rows[i].from.map { $0 >= 0 && !written.insert($0).inserted }
        }
        accumulateOf = accumulate
        detectInputGradients = detectSources.map { [gradients] in gradients[$0] }
        var running = 0
        parametersBefore = rows.map { row in defer { running += row.parameterCount }; return running }
        for (i, row) in rows.dropLast().enumerated() {
            for (j, source) in row.from.enumerated() where source >= 0 { inputGradientsOf[i][j] = gradients[source] }
        }
        try context.state.finalize(file: definition.file)
        var random = SeededGenerator(seed: seed)
        for layer in layers { (layer as? Initializable)?.initialize(&random) }
        let strides = (0..<detect.levels).map { maximumStride >> (detect.levels - 1 - $0) }
        detect.initialize(&random, strides: strides)
    }

    /// Forward pass on images [N, H, W, 3]; returns the raw head outputs per level ([N][ny][nx][na * no]).
    public func forward(_ images: Tensor, training: Bool) throws -> [Tensor] {
        let s = images.shape
        guard s.h % maximumStride == 0, s.w % maximumStride == 0, s.h > 0, s.w > 0 else {
            throw TensorError.shapeMismatch(layer: definition.file, message:
                "image size \(s.h)x\(s.w) is not a multiple of the model's stride \(maximumStride) (every side must be divisible by \(maximumStride))")
        }
        image = images
        for i in 0..<layers.count {
            for (j, source) in rows[i].from.enumerated() { inputsOf[i][j] = source < 0 ? images : outputs[source]! }
            outputs[i] = try layers[i].forward(inputsOf[i], training: training)
        }
        for (j, source) in rows.last!.from.enumerated() { featureInputs[j] = outputs[source]! }
        return try detect.forward(featureInputs, imageHeight: s.h)
    }

    /// Backward pass from d(loss)/d(raw outputs) per level: accumulates every parameter gradient. After each row,
    /// `gradientsReady(n)` says the first n elements of the gradient arena are final (the arena is laid out in
    /// reverse row order), so their all-reduce can start while backward goes on.
    public func backward(_ levelGradients: [Tensor], gradientsReady: ((Int) -> Void)? = nil) {
        let sources = rows.last!.from
        for source in sources { gradients[source].reshape(outputs[source]!.shape) }
        detect.backward(levelGradients, inputGradients: detectInputGradients, accumulate: detectAccumulate)
        gradientsReady?(state.parameterCount - parametersBefore[layers.count])
        for i in (0..<layers.count).reversed() {
            for source in rows[i].from where source >= 0 { gradients[source].reshape(outputs[source]!.shape) }
            layers[i].backward(gradients[i], inputGradients: inputGradientsOf[i], accumulate: accumulateOf[i])
            gradientsReady?(state.parameterCount - parametersBefore[i])
        }
    }

    public func checkFits(imageSize: Int, batch: Int, training: Bool) throws {
        guard (1...ModelLimits.maximumImageSize).contains(imageSize), imageSize % maximumStride == 0 else {
            throw FileProblem(file: definition.file, message: "image size \(imageSize) must be a positive multiple of the model's stride \(maximumStride), "
                              + "at most \(ModelLimits.maximumImageSize)")
        }
        guard batch >= 1 else { throw FileProblem(file: definition.file, message: "batch \(batch) must be at least 1") }
        try ModelLimits.checkActivations(rows.dropLast().map { row in
            ("row \(row.index) (\(row.module))", ModelLimits.elements(batch: batch, side: imageSize / row.downsampling, channels: row.outputChannels))
        }, imageSize: imageSize, batch: batch, training: training, file: definition.file)
    }

    /// Output shapes of the last forward pass per row (nil for the Detect row).
    public var outputShapes: [TensorShape?] { outputs.map { $0?.shape } + [nil] }

    /// Forward FLOPs of the last forward pass (conv layers, 2 per multiply-add).
    public var forwardFLOPs: Double { layers.reduce(detect.forwardFLOPs) { $0 + $1.forwardFLOPs } }
}

/// Layers whose parameters need initialising after the state is finalised.
protocol Initializable { func initialize(_ random: inout SeededGenerator) }
extension ConvBlock: Initializable {}
extension Bottleneck: Initializable {}
extension C3: Initializable {}
extension SPPF: Initializable {}
extension Focus: Initializable {}
extension Sequential: Initializable {
    func initialize(_ random: inout SeededGenerator) { for case let layer as Initializable in layers { layer.initialize(&random) } }
}
