import DetectionLoss
import Models
import Tensor
import Training

/// `spd bench train`: full training steps (forward, loss on synthetic targets, backward, SGD) on one rank,
/// reporting images/s, achieved GFLOP/s and the time split.
public struct TrainBenchmark {
    public var modelFile: String
    public var imageSize: Int
    public var batch: Int
    public var steps: Int

    public init(modelFile: String, imageSize: Int, batch: Int, steps: Int) {
        self.modelFile = modelFile
        self.imageSize = imageSize
        self.batch = batch
        self.steps = steps
    }

    /// Sorted timings of `steps` training steps (after one warm-up step) and the model's forward FLOPs per batch.
    public func measure() throws -> (stepSeconds: [Double], forwardFLOPs: Double) {
        let model = try DetectionModel(definition: ModelDefinition(contentsOf: modelFile))
        let hyperparameters = LossHyperparameters().scaledForTraining(levels: model.detect.levels, classes: model.detect.classes, imageSize: imageSize)
        let step = try DetectionStep(model: model, hyperparameters: hyperparameters)
        let sgd = SGD(state: model.state, momentum: 0.937, weightDecay: 5e-4)
        var random = SeededGenerator(seed: 7)
        let images = Tensor(TensorShape(n: batch, h: imageSize, w: imageSize, c: 3))
        for i in 0..<images.count { images.pointer[i] = random.uniform(0, 1) }
        // About 6 objects per image, sizes from small to large.
        let targets = (0..<batch * 6).map { i in
            DetectionTarget(image: i % batch, classIndex: Int(random.next() % UInt64(model.detect.classes)),
                            x: random.uniform(0.1, 0.9), y: random.uniform(0.1, 0.9), w: random.uniform(0.02, 0.5), h: random.uniform(0.02, 0.5))
        }
        let learningRates: [ParameterGroup: Float] = [.weight: 0.01, .batchNormWeight: 0.01, .bias: 0.01]
        func trainingStep() throws {
            model.state.zeroGradients()
            try step.run(images: images, targets: targets)
            sgd.step(learningRates: learningRates)
        }
        try trainingStep()
        var times: [Double] = []
        for _ in 0..<max(steps, 1) {
            let start = monotonicSeconds()
            try trainingStep()
            times.append(monotonicSeconds() - start)
        }
        return (times.sorted(), model.forwardFLOPs)
    }

    public func run(print output: (String) -> Void) throws {
        let (times, forwardFLOPs) = try measure()
        output("OpenBLAS: \(BLAS.configuration), \(BLAS.threads) thread(s); \(modelFile) at \(imageSize)x\(imageSize), batch \(batch), \(steps) steps")
        let median = times[times.count / 2]
        // Training FLOPs: forward, plus backward-input and backward-weight, each as costly as the forward.
        let flops = 3 * forwardFLOPs
        output("step: median \(fixed(1000 * median)) ms (fastest \(fixed(1000 * times[0])) ms, slowest \(fixed(1000 * times.last!)) ms)")
        output("throughput: \(fixed(Double(batch) / median, 2)) images/s, \(fixed(flops / median / 1e9)) GFLOP/s "
               + "(\(fixed(flops / Double(batch) / 1e9, 2)) GFLOPs per image for forward + backward)")
    }
}
