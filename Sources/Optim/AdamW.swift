import Foundation
import Support
import Models
import Tensor
import RunFormat

/// Adam with betas (momentum, 0.999) and eps 1e-8 (PyTorch semantics), weight decay on conv/linear weights only:
/// decoupled (AdamW, `decoupled: true`) or as an L2 term added to the gradient (Adam, as YOLOv5's `--adam` uses it).
public final class AdamW: Optimizer {
    public var weightDecay: Float
    /// AdamW's decoupled decay (true) or Adam's L2 decay (false).
    public let decoupled: Bool
    public let beta2: Float = 0.999
    public let eps: Float = 1e-8
    private let state: ModelState
    private var firstMoment: [Float], secondMoment: [Float]
    private var steps = 0

    public init(state: ModelState, weightDecay: Float, decoupled: Bool = true) {
        self.state = state
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        firstMoment = [Float](repeating: 0, count: state.parameterCount)
        secondMoment = firstMoment
    }

    public func step(learningRates: [ParameterGroup: Double], momentum: Double) {
        steps += 1
        let beta1 = Float(momentum), beta2 = self.beta2, eps = self.eps
        let correction1 = 1 - pow(beta1, Float(steps)), correction2 = 1 - pow(beta2, Float(steps))
        let parameters = state.parameters.pointer, gradients = state.gradients.pointer
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                for entry in state.entries {
                    guard case let .parameter(group) = entry.kind, let rate = learningRates[group] else { continue }
                    let lr = Float(rate), decay = group == .weight ? weightDecay : 0
                    KernelVariant.kernels.adamStep(parameters: parameters + entry.offset, gradients: gradients + entry.offset,
                                                   firstMoment: m.baseAddress! + entry.offset, secondMoment: v.baseAddress! + entry.offset,
                                                   count: entry.count, learningRate: lr, decoupledDecay: decoupled ? decay : 0,
                                                   l2Decay: decoupled ? 0 : decay, beta1: beta1, beta2: beta2, eps: eps,
                                                   correction1: correction1, correction2: correction2)
                }
            }
        }
    }

    public var followsMomentumWarmup: Bool { false }

    public var stateBuffers: [String: [Float]] { ["exp_avg": firstMoment, "exp_avg_sq": secondMoment] }
    public var stateCounters: [String: Int] { ["step": steps] }

    public func restore(buffers: [String: [Float]], counters: [String: Int]) throws {
        guard let m = buffers["exp_avg"], let v = buffers["exp_avg_sq"], m.count == firstMoment.count, v.count == secondMoment.count,
              let steps = counters["step"] else {
            throw FileProblem(file: "optimizer state", message: "AdamW needs exp_avg, exp_avg_sq (\(firstMoment.count) values each) and step")
        }
        firstMoment = m
        secondMoment = v
        self.steps = steps
    }
}
