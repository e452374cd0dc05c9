/// Batch normalisation over the pixels of NHWC activations, per channel. Training is split into phases so a
/// synchronised BN can all-reduce the per-channel sums between them:
/// forward  = `addMoments` -> [all-reduce sums] -> `statistics` -> `normalize`
/// backward = `addGradientMoments` -> [all-reduce sums] -> `inputGradient` (+ parameter gradients from local sums).
/// Sums are accumulated in Double so large batches keep float32-level accuracy, and taken about a per-channel shift
/// near the mean (the same on every replica whose sums are added) so that the variance E[d^2] - E[d]^2 does not
/// cancel for channels whose mean is far from 0.
public enum BatchNorm {
    /// With d = x - shift: moments[0..<C] += sum d, moments[C..<2C] += sum d^2 over all pixels of input[P, C].
    /// `scratch` holds 2C floats.
    public static func addMoments(input: UnsafePointer<Float>, pixels: Int, channels c: Int, shift: UnsafePointer<Float>,
                                  moments: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Float>) {
        OpProfiler.measure(.batchNorm) {
            KernelVariant.kernels.batchNormAddMoments(input: input, pixels: pixels, channels: c, shift: shift, moments: moments, scratch: scratch)
        }
    }

    /// From moments over `count` pixels taken about `shift`: mean[C], invStd[C] = 1/sqrt(var + eps) with the biased
    /// variance, and the running statistics updated as PyTorch does (unbiased variance, `momentum` weight on the new
    /// value). `shift` may be `runningMean` itself (it is read before it is updated) or the input's first pixel.
    public static func statistics(
        moments: UnsafePointer<Double>, shift: UnsafePointer<Float>, count: Int, channels c: Int, eps: Float, momentum: Float,
        mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
        runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.batchNorm) {
            let n = Double(count)
            for j in 0..<c {
                let shifted = moments[j] / n
                let variance = max(moments[c + j] / n - shifted * shifted, 0)
                let m = Double(shift[j]) + shifted
                mean[j] = Float(m)
                invStd[j] = Float(1 / (variance + Double(eps)).squareRoot())
                let unbiased = count > 1 ? variance * n / (n - 1) : variance
                runningMean[j] = Float((1 - Double(momentum)) * Double(runningMean[j]) + Double(momentum) * m)
                runningVar[j] = Float((1 - Double(momentum)) * Double(runningVar[j]) + Double(momentum) * unbiased)
            }
        }
    }

    /// Inference statistics: mean = runningMean, invStd = 1/sqrt(runningVar + eps).
    public static func inferenceStatistics(runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>, channels c: Int,
                                           eps: Float, mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>) {
        OpProfiler.measure(.batchNorm) {
            for j in 0..<c {
                mean[j] = runningMean[j]
                invStd[j] = Float(1 / (Double(runningVar[j]) + Double(eps)).squareRoot())
            }
        }
    }

    /// Floats of scratch the backward passes need for `c` channels (the other functions need at most 3C).
    public static func scratchCount(channels c: Int) -> Int { WideRows.batchNormScratchCount(channels: c) }

    /// output[P, C] = gamma * (input - mean) * invStd + beta, computed as (x - mean) * scale + beta with
    /// scale = gamma * invStd, the one formula of the normalising forwards, which the fused backward repeats bit for bit.
    public static func normalize(
        input: UnsafePointer<Float>, pixels: Int, channels c: Int, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        normalizeActivate(input: input, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma, beta: beta,
                          activation: .identity, output: output, scratch: scratch)
    }

    /// output[P, C] = act(gamma * (input - mean) * invStd + beta): normalisation and activation in one pass.
    public static func normalizeActivate(
        input: UnsafePointer<Float>, pixels: Int, channels c: Int, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, activation: ActivationKind, output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.batchNorm) {
            KernelVariant.kernels.batchNormNormalize(input: input, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma,
                                                     beta: beta, activation: activation, output: output, scratch: scratch)
        }
    }

    /// Backward through y = act(BN(x)) up to the BN input, first pass: with z = gamma * xhat + beta recomputed from x
    /// exactly as the forward did, dz = doutput * act'(z) is written to `normGradient` and sums[0..<C] += sum dz,
    /// sums[C..<2C] += sum dz * xhat (SiLU's derivative comes from the forward's output y). `inputGradient` then
    /// finishes dL/dx from dz and the (possibly all-reduced) sums. `scratch` holds `scratchCount(channels:)` floats.
    public static func activationBackwardMoments(
        input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels c: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        activation: ActivationKind, normGradient: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.batchNorm) {
            KernelVariant.kernels.batchNormActivationBackward(input: input, output: output, outputGradient: outputGradient, pixels: pixels,
                                                              channels: c, mean: mean, invStd: invStd, gamma: gamma, beta: beta,
                                                              activation: activation, normGradient: normGradient, sums: sums, scratch: scratch)
        }
    }

    /// sums[0..<C] += sum dy, sums[C..<2C] += sum dy * xhat, xhat = (x - mean) * invStd.
    public static func addGradientMoments(
        input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels c: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, sums: UnsafeMutablePointer<Double>
    ) {
        OpProfiler.measure(.batchNorm) {
            KernelVariant.kernels.batchNormAddGradientMoments(input: input, outputGradient: outputGradient, pixels: pixels, channels: c,
                                                              mean: mean, invStd: invStd, sums: sums)
        }
    }

    /// dgamma += sum dy * xhat, dbeta += sum dy (from this rank's gradient moments).
    public static func addParameterGradients(sums: UnsafePointer<Double>, channels c: Int,
                                             gammaGradient: UnsafeMutablePointer<Float>, betaGradient: UnsafeMutablePointer<Float>) {
        OpProfiler.measure(.batchNorm) {
            for j in 0..<c {
                betaGradient[j] += Float(sums[j])
                gammaGradient[j] += Float(sums[c + j])
            }
        }
    }

    /// dx (+)= gamma * invStd * (dy - sum_dy / M - xhat * sum_dy_xhat / M), with sums and M over the whole
    /// (possibly all-reduced) batch. `scratch` holds `scratchCount(channels:)` floats.
    public static func inputGradient(
        input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels c: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        sums: UnsafePointer<Double>, count: Int, inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool,
        scratch: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.batchNorm) {
            KernelVariant.kernels.batchNormInputGradient(input: input, outputGradient: outputGradient, pixels: pixels, channels: c, mean: mean,
                                                         invStd: invStd, gamma: gamma, sums: sums, count: count, inputGradient: inputGradient,
                                                         accumulate: accumulate, scratch: scratch)
        }
    }
}
