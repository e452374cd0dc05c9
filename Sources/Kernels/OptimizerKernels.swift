import KernelInterface

/// The optimizers' element-wise updates (PyTorch semantics) over a span of the parameter arena.
extension CPUKernels {
    public static func sgdStep(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, velocity buffer: UnsafeMutablePointer<Float>,
                               count: Int, learningRate lr: Float, weightDecay decay: Float, momentum mu: Float, nesterov: Bool) {
        if nesterov {
            for i in 0..<count {
                let d = g[i] + decay * p[i]
                buffer[i] = mu * buffer[i] + d
                p[i] -= lr * (d + mu * buffer[i])
            }
        } else {
            for i in 0..<count {
                let d = g[i] + decay * p[i]
                buffer[i] = mu * buffer[i] + d
                p[i] -= lr * buffer[i]
            }
        }
    }

    public static func adamStep(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, firstMoment mp: UnsafeMutablePointer<Float>,
                                secondMoment vp: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, decoupledDecay: Float, l2Decay: Float,
                                beta1: Float, beta2: Float, eps: Float, correction1: Float, correction2: Float) {
        for i in 0..<count {
            p[i] *= 1 - lr * decoupledDecay
            let gradient = g[i] + l2Decay * p[i]
            mp[i] = beta1 * mp[i] + (1 - beta1) * gradient
            vp[i] = beta2 * vp[i] + (1 - beta2) * gradient * gradient
            p[i] -= lr * (mp[i] / correction1) / ((vp[i] / correction2).squareRoot() + eps)
        }
    }

    public static func exponentialMovingAverage(_ average: UnsafeMutablePointer<Float>, current: UnsafePointer<Float>, count: Int, decay d: Float) {
        for i in 0..<count { average[i] = d * average[i] + (1 - d) * current[i] }
    }
}
