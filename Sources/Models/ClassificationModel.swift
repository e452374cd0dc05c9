import Tensor
import Support

/// A ResNet classifier (ResNet-18/50, with or without SPD-Conv) over one parameter arena, with the reference
/// state_dict names and order. Forward gives logits; backward takes d(loss)/d(logits).
public final class ClassificationModel {
    public let definition: ResNetDefinition
    public let context: ModelContext
    public var state: ModelState { context.state }
    /// Image sides must be multiples of this: 16 for ResNet-SPD (every SPD layer halves exactly), 1 for the baseline.
    public let inputMultiple: Int
    /// Stem, residual blocks, classifier.
    public let layers: [SingleInputLayer]
    /// parametersBefore[i]: parameters registered by the layers before layer i.
    private let parametersBefore: [Int]
    private var inputShapes: [TensorShape] = []
    private let gradients = [Tensor(), Tensor()]

    /// Builds the model; `classes` overrides the definition's. Parameters get PyTorch's default init from `seed`.
    public init(definition: ResNetDefinition, classes: Int? = nil, seed: UInt64 = 0, context: ModelContext = ModelContext()) throws {
        var definition = definition
        if let classes { definition.classes = classes }
        guard (1...ModelLimits.maximumClasses).contains(definition.classes) else {
            throw FileProblem(file: definition.file, message: "the number of classes must be from 1 to \(ModelLimits.maximumClasses), got \(definition.classes)")
        }
        self.definition = definition
        self.context = context
        inputMultiple = definition.spd ? definition.totalStride : 1
        let built = ResNetBuilder(definition: definition, context: context).build()
        layers = built.map(\.layer)
        var running = 0
        parametersBefore = built.map { entry in defer { running += entry.parameters }; return running }
        try context.state.finalize(file: definition.file)
        var random = SeededGenerator(seed: seed)
        for case let layer as Initializable in layers { layer.initialize(&random) }
    }

    public var classes: Int { definition.classes }

    /// Images [N, H, W, 3] -> logits [N, 1, 1, classes]. The result is the model's own tensor, valid until the next forward.
    public func forward(_ images: Tensor, training: Bool) throws -> Tensor {
        try checkInput(images.shape)
        if inputShapes.count != layers.count { inputShapes = [TensorShape](repeating: images.shape, count: layers.count) }
        var x = images
        for (i, layer) in layers.enumerated() {
            inputShapes[i] = x.shape
            x = try layer.forward(x, training: training)
        }
        return x
    }

    /// From d(loss)/d(logits) [N, 1, 1, classes] of the last training forward: adds every parameter gradient. After each
    /// layer, `gradientsReady(n)` says the first n elements of the gradient arena are final (the arena is laid out in
    /// reverse layer order), so their all-reduce can start while backward goes on.
    public func backward(_ logitGradient: Tensor, gradientsReady: ((Int) -> Void)? = nil) {
        var upstream = logitGradient
        for i in layers.indices.reversed() {
            let downstream: Tensor? = i == 0 ? nil : gradients[i % 2]
            downstream?.reshape(inputShapes[i])
            layers[i].backward(upstream, inputGradient: downstream, accumulate: false)
            gradientsReady?(state.parameterCount - parametersBefore[i])
            if let downstream { upstream = downstream }
        }
    }

    /// Forward FLOPs of the last forward pass (conv and linear layers, 2 per multiply-add).
    public var forwardFLOPs: Double { layers.reduce(0) { $0 + $1.forwardFLOPs } }

    /// The estimate counts each block's conv outputs (BasicBlock w + w, BottleNeck w + w + 4w channels) at its stage's
    /// resolution.
    public func checkFits(imageSize: Int, batch: Int, training: Bool) throws {
        guard (1...ModelLimits.maximumImageSize).contains(imageSize), imageSize % inputMultiple == 0 else {
            throw FileProblem(file: definition.file, message: "image size \(imageSize) must be a positive multiple of \(inputMultiple), "
                              + "at most \(ModelLimits.maximumImageSize)")
        }
        guard batch >= 1 else { throw FileProblem(file: definition.file, message: "batch \(batch) must be at least 1") }
        var side = definition.spd ? imageSize / 2 : imageSize
        var elements = [("conv1", ModelLimits.elements(batch: batch, side: side, channels: 64))]
        for (stage, (width, blocks)) in zip(ResNetDefinition.stageWidths, definition.layers).enumerated() {
            if stage > 0 { side = max(side / 2, 1) }
            let channels = definition.block == .basic ? 2 * width : 6 * width
            let (total, overflow) = ModelLimits.elements(batch: batch, side: side, channels: channels).multipliedReportingOverflow(by: blocks)
            elements.append(("conv\(stage + 2)_x", overflow ? Int.max : total))
        }
        try ModelLimits.checkActivations(elements, imageSize: imageSize, batch: batch, training: training, file: definition.file)
    }

    private func checkInput(_ s: TensorShape) throws {
        guard s.c == 3 else {
            throw TensorError.shapeMismatch(layer: definition.name, message: "expects RGB images [N, H, W, 3], got \(s)")
        }
        let m = inputMultiple
        guard s.h > 0, s.w > 0, s.h % m == 0, s.w % m == 0 else {
            let padded = "\((s.h + m - 1) / m * m)x\((s.w + m - 1) / m * m)"
            let resized = s.h >= m && s.w >= m ? " or resize to \(s.h / m * m)x\(s.w / m * m)" : ""
            throw TensorError.shapeMismatch(layer: definition.name, message:
                "input size \(s.h)x\(s.w) is not supported: the SPD stem and 3 SPD stages halve the image exactly, "
                + "so height and width must be multiples of \(m); pad to \(padded)\(resized)")
        }
    }
}
