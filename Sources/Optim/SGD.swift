import Support
import Models
import RunFormat
import Tensor

/// SGD with momentum (PyTorch semantics, optionally Nesterov) over a model's parameter arena, with YOLOv5's three
/// parameter groups: weight decay applies to conv/linear weights only, and each group has its own learning rate.
public final class SGD {
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    private let state: ModelState
    private var velocity: [Float]

    public init(state: ModelState, momentum: Float, nesterov: Bool = true, weightDecay: Float) {
        self.state = state
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        velocity = [Float](repeating: 0, count: state.parameterCount)
    }

    /// The momentum buffer (part of a checkpoint's optimizer state).
    public var momentumBuffer: [Float] {
        get { velocity }
        set {
            precondition(newValue.count == velocity.count, "SGD momentum buffer of \(newValue.count) values for \(velocity.count) parameters")
            velocity = newValue
        }
    }

    /// p -= lr[group] * d with g = grad (+ weightDecay * p for weights), v = momentum * v + g,
    /// d = g + momentum * v (Nesterov) or v. A zero initial buffer gives PyTorch's first step (v = g).
    public func step(learningRates: [ParameterGroup: Float]) {
        let parameters = state.parameters.pointer, gradients = state.gradients.pointer
        let mu = momentum
        velocity.withUnsafeMutableBufferPointer { v in
            for entry in state.entries {
                guard case let .parameter(group) = entry.kind, let lr = learningRates[group] else { continue }
                let decay = group == .weight ? weightDecay : 0
                KernelVariant.kernels.sgdStep(parameters: parameters + entry.offset, gradients: gradients + entry.offset,
                                              velocity: v.baseAddress! + entry.offset, count: entry.count, learningRate: lr,
                                              weightDecay: decay, momentum: mu, nesterov: nesterov)
            }
        }
    }
}

extension SGD: Optimizer {
    public var followsMomentumWarmup: Bool { true }

    public func step(learningRates: [ParameterGroup: Double], momentum: Double) {
        self.momentum = Float(momentum)
        step(learningRates: learningRates.mapValues(Float.init))
    }

    public var stateBuffers: [String: [Float]] { ["momentum_buffer": momentumBuffer] }
    public var stateCounters: [String: Int] { [:] }

    public func restore(buffers: [String: [Float]], counters: [String: Int]) throws {
        guard let buffer = buffers["momentum_buffer"], buffer.count == momentumBuffer.count else {
            throw FileProblem(file: "optimizer state", message: "SGD needs a momentum_buffer of \(momentumBuffer.count) values")
        }
        momentumBuffer = buffer
    }
}
