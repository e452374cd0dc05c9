import Tensor

/// What every model family offers to the tools that do not train it: its parameter arena, its cost and its
/// summary. `AnyModelDefinition.build` makes one from any model file.
public protocol Model: AnyObject {
    /// The parameter arena and buffers, under the reference state-dict names.
    var state: ModelState { get }
    /// Forward FLOPs of the last forward pass (2 per multiply-add).
    var forwardFLOPs: Double { get }
    /// One eval-mode forward of a zero image of `imageSize` x `imageSize` (so `forwardFLOPs` is that image's).
    func measure(imageSize: Int) throws
    /// Refuses, naming the model file, an image size the model cannot take (not a positive multiple of its stride,
    /// above `ModelLimits.maximumImageSize`) or a batch whose activations would not fit this machine's memory, in
    /// training (backward's tensors too) or in inference.
    func checkFits(imageSize: Int, batch: Int, training: Bool) throws
    /// The layer table `spd model summary` prints, at `imageSize`.
    func summary(imageSize: Int) throws -> String
}

extension DetectionModel: Model {
    public func measure(imageSize: Int) throws {
        try checkFits(imageSize: imageSize, batch: 1, training: false)
        _ = try forward(Tensor(TensorShape(n: 1, h: imageSize, w: imageSize, c: 3)), training: false)
    }

    public func summary(imageSize: Int) throws -> String {
        try measure(imageSize: imageSize)
        return ModelSummary(model: self, imageSize: imageSize).rendered
    }
}

extension ClassificationModel: Model {
    public func measure(imageSize: Int) throws {
        try checkFits(imageSize: imageSize, batch: 1, training: false)
        _ = try forward(Tensor(TensorShape(n: 1, h: imageSize, w: imageSize, c: 3)), training: false)
    }

    public func summary(imageSize: Int) throws -> String {
        try checkFits(imageSize: imageSize, batch: 1, training: false)
        return try ResNetSummary(model: self, imageSize: imageSize).rendered
    }
}

extension AnyModelDefinition {
    /// The model this file defines, with `classes` outputs (default: the file's) and weights initialised from `seed`.
    public func build(classes: Int? = nil, seed: UInt64 = 0) throws -> any Model {
        switch self {
        case let .detection(definition): return try DetectionModel(definition: definition, classes: classes, seed: seed)
        case let .classification(definition): return try ClassificationModel(definition: definition, classes: classes, seed: seed)
        }
    }
}
