import Models

/// A model's size and compute: parameters, and forward GFLOPs per image at a square input size (measured by one
/// forward pass, as `spd model summary` reports them).
public struct ModelCost: Equatable, Sendable {
    public var parameters: Int
    public var gflops: Double

    public init(parameters: Int, gflops: Double) {
        self.parameters = parameters
        self.gflops = gflops
    }

    /// Builds the model in `file` with `classes` outputs and runs one image of `imageSize` through it.
    public init(modelFile file: String, classes: Int?, imageSize: Int) throws {
        let model = try AnyModelDefinition(contentsOf: file).build(classes: classes)
        try model.measure(imageSize: imageSize)
        self.init(parameters: model.state.parameterCount, gflops: model.forwardFLOPs / 1e9)
    }

    /// The ranks a run of this model gets when its configuration does not say: one per `gflopsPerRank`, at most
    /// `maximum`, and a divisor of the global batch (every rank takes the same share).
    public func ranks(gflopsPerRank: Double, globalBatch: Int, maximum: Int) -> Int {
        let wanted = min(max(1, Int((gflops / gflopsPerRank).rounded(.up))), max(1, maximum))
        return (1...wanted).last { globalBatch % $0 == 0 } ?? 1
    }
}
