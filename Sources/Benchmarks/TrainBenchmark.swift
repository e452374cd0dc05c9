import DetectionLoss
import Models
import Tensor
import Training
import Support
import Optim

/// `spd bench train`: full training steps (forward, loss on synthetic data, backward, SGD) on one rank,
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
    /// Detection models train on synthetic boxes with the YOLOv5 loss, classifiers on random labels with
    /// cross-entropy; both with SGD.
    public func measure() throws -> (stepSeconds: [Double], forwardFLOPs: Double) {
        var random = SeededGenerator(seed: 7)
        let images = Tensor(TensorShape(n: batch, h: imageSize, w: imageSize, c: 3))
        for i in 0..<images.count { images.pointer[i] = random.uniform(0, 1) }
        let learningRates: [ParameterGroup: Float] = [.weight: 0.01, .batchNormWeight: 0.01, .bias: 0.01]
        let state: ModelState, forwardFLOPs: () -> Double, trainingStep: () throws -> Void
        switch try AnyModelDefinition(contentsOf: modelFile) {
        case let .detection(definition):
            let model = try DetectionModel(definition: definition)
            let hyperparameters = LossHyperparameters().scaledForTraining(levels: model.detect.levels, classes: model.detect.classes, imageSize: imageSize)
            let step = try DetectionStep(model: model, hyperparameters: hyperparameters)
            // About 6 objects per image, sizes from small to large.
            let targets = (0..<batch * 6).map { i in
                DetectionTarget(image: i % batch, classIndex: Int(random.next() % UInt64(model.detect.classes)),
                                x: random.uniform(0.1, 0.9), y: random.uniform(0.1, 0.9), w: random.uniform(0.02, 0.5), h: random.uniform(0.02, 0.5))
            }
            state = model.state
            forwardFLOPs = { model.forwardFLOPs }
            trainingStep = { try step.run(images: images, targets: targets) }
        case let .classification(definition):
            let model = try ClassificationModel(definition: definition)
            let labels = (0..<batch).map { _ in Int(random.next() % UInt64(model.classes)) }
            let logitGradient = Tensor()
            state = model.state
            forwardFLOPs = { model.forwardFLOPs }
            trainingStep = {
                let logits = try model.forward(images, training: true)
                logitGradient.reshape(logits.shape)
                logitGradient.zero()
                try Loss.softmaxCrossEntropy(logits: logits.pointer, labels: labels, classes: model.classes, gradient: logitGradient.pointer)
                model.backward(logitGradient)
            }
        }
        let sgd = SGD(state: state, momentum: 0.937, weightDecay: 5e-4)
        func fullStep() throws {
            state.zeroGradients()
            try trainingStep()
            sgd.step(learningRates: learningRates)
        }
        try fullStep()
        var times: [Double] = []
        for _ in 0..<max(steps, 1) {
            let start = monotonicSeconds()
            try fullStep()
            times.append(monotonicSeconds() - start)
        }
        return (times.sorted(), forwardFLOPs())
    }

    public func run(print output: (String) -> Void) throws {
        let (times, forwardFLOPs) = try measure()
        output(BLASCore.description)
        output("OpenBLAS build: \(BLAS.configuration); \(modelFile) at \(imageSize)x\(imageSize), batch \(batch), \(steps) steps")
        let median = times[times.count / 2]
        // Training FLOPs: forward, plus backward-input and backward-weight, each as costly as the forward.
        let flops = 3 * forwardFLOPs
        output("step: median \(fixed(1000 * median)) ms (fastest \(fixed(1000 * times[0])) ms, slowest \(fixed(1000 * times.last!)) ms)")
        output("throughput: \(fixed(Double(batch) / median, 2)) images/s, \(fixed(flops / median / 1e9)) GFLOP/s "
               + "(\(fixed(flops / Double(batch) / 1e9, 2)) GFLOPs per image for forward + backward)")
    }
}
