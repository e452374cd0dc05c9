/// Batch normalisation over the pixels of NHWC activations, per channel. Training is split into phases so a
/// synchronised BN can all-reduce the per-channel sums between them:
/// forward  = `addMoments` -> [all-reduce sums] -> `statistics` -> `normalize`
/// backward = `addGradientMoments` -> [all-reduce sums] -> `inputGradient` (+ parameter gradients from local sums).
/// Sums are accumulated in Double so large batches keep float32-level accuracy.
public enum BatchNorm {
    /// moments[0..<C] += sum_x, moments[C..<2C] += sum_x^2 over all pixels of input[P, C]. `scratch` holds 2C floats.
    public static func addMoments(input: UnsafePointer<Float>, pixels: Int, channels c: Int, moments: UnsafeMutablePointer<Double>,
                                  scratch: UnsafeMutablePointer<Float>) {
        OpProfiler.measure(.batchNorm) {
            let sum = moments, squares = moments + c, blockSum = scratch, blockSquares = scratch + c
            // Float partial sums over blocks of rows keep the inner loop vectorised; Double across blocks.
            let block = 64
            var start = 0
            while start < pixels {
                let end = min(start + block, pixels)
                for j in 0..<c { blockSum[j] = 0; blockSquares[j] = 0 }
                for p in start..<end {
                    let row = input + p * c
                    for j in 0..<c {
                        let x = row[j]
                        blockSum[j] += x
                        blockSquares[j] += x * x
                    }
                }
                for j in 0..<c {
                    sum[j] += Double(blockSum[j])
                    squares[j] += Double(blockSquares[j])
                }
                start = end
            }
        }
    }

    /// From moments over `count` pixels: mean[C], invStd[C] = 1/sqrt(var + eps) with the biased variance, and the
    /// running statistics updated as PyTorch does (unbiased variance, `momentum` weight on the new value).
    public static func statistics(
        moments: UnsafePointer<Double>, count: Int, channels c: Int, eps: Float, momentum: Float,
        mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
        runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.batchNorm) {
            let n = Double(count)
            for j in 0..<c {
                let m = moments[j] / n
                let variance = max(moments[c + j] / n - m * m, 0)
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

    /// scale[C] = gamma * invStd: BN(x) = (x - mean) * scale + beta, the one formula of the normalising forwards,
    /// which the fused backward repeats bit for bit. Subtracting the mean first keeps z exact to rounding also for
    /// channels whose mean is many standard deviations from 0.
    @inline(__always)
    private static func setScale(invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, channels c: Int, scale: UnsafeMutablePointer<Float>) {
        for j in 0..<c { scale[j] = gamma[j] * invStd[j] }
    }

    /// output[P, C] = gamma * (input - mean) * invStd + beta.
    public static func normalize(
        input: UnsafePointer<Float>, pixels: Int, channels c: Int, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.batchNorm) {
            let scale = scratch
            setScale(invStd: invStd, gamma: gamma, channels: c, scale: scale)
            for p in 0..<pixels {
                let x = input + p * c, y = output + p * c
                for j in 0..<c { y[j] = (x[j] - mean[j]) * scale[j] + beta[j] }
            }
        }
    }

    /// output[P, C] = act(gamma * (input - mean) * invStd + beta): normalisation and activation in one pass.
    public static func normalizeActivate(
        input: UnsafePointer<Float>, pixels: Int, channels c: Int, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, activation: ActivationKind, output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.batchNorm) {
            let scale = scratch
            setScale(invStd: invStd, gamma: gamma, channels: c, scale: scale)
            activation.withFunction { act in
                for p in 0..<pixels {
                    let x = input + p * c, y = output + p * c
                    for j in 0..<c { y[j] = act((x[j] - mean[j]) * scale[j] + beta[j]) }
                }
            }
        }
    }

    /// Backward through y = act(BN(x)) up to the BN input, first pass: with z = gamma * xhat + beta recomputed from x,
    /// dz = doutput * act'(z) is written to `normGradient` and sums[0..<C] += sum dz, sums[C..<2C] += sum dz * xhat.
    /// `output` is the forward's y, which gives SiLU's derivative without another exponential:
    /// s = sigmoid(z) = y / z and silu'(z) = s + y * (1 - s). That quotient is only sound for the very z the forward
    /// activated, so z is recomputed with `normalizeActivate`'s exact arithmetic (a z rounded differently near 0 would
    /// make y / z arbitrarily large), and s is kept in sigmoid's range [0, 1]. `inputGradient` then finishes dL/dx from
    /// dz and the (possibly all-reduced) sums. `scratch` holds 3C floats.
    public static func activationBackwardMoments(
        input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels c: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        activation: ActivationKind, normGradient: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.batchNorm) {
            switch activation {
            case .silu:
                accumulateActivationBackward(input, output, outputGradient, pixels, c, mean, invStd, gamma, beta, normGradient, sums, scratch) { z, y in
                    let s = z != 0 ? min(max(y / z, 0), 1) : 0.5
                    return s + y * (1 - s)
                }
            case .relu:
                accumulateActivationBackward(input, output, outputGradient, pixels, c, mean, invStd, gamma, beta, normGradient, sums, scratch) { z, _ in
                    z > 0 ? 1 : 0
                }
            case .identity:
                accumulateActivationBackward(input, output, outputGradient, pixels, c, mean, invStd, gamma, beta, normGradient, sums, scratch) { _, _ in 1 }
            }
        }
    }

    @inline(__always)
    private static func accumulateActivationBackward(
        _ input: UnsafePointer<Float>, _ output: UnsafePointer<Float>, _ outputGradient: UnsafePointer<Float>, _ pixels: Int, _ c: Int,
        _ mean: UnsafePointer<Float>, _ invStd: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>,
        _ normGradient: UnsafeMutablePointer<Float>, _ sums: UnsafeMutablePointer<Double>, _ scratch: UnsafeMutablePointer<Float>,
        _ derivative: (_ z: Float, _ y: Float) -> Float
    ) {
        let scale = scratch, blockDz = scratch + c, blockDzXhat = scratch + 2 * c
        setScale(invStd: invStd, gamma: gamma, channels: c, scale: scale)
        let sumDz = sums, sumDzXhat = sums + c
        // Float partial sums over blocks of rows keep the inner loop vectorised; Double across blocks.
        let block = 64
        var start = 0
        while start < pixels {
            let end = min(start + block, pixels)
            for j in 0..<c { blockDz[j] = 0; blockDzXhat[j] = 0 }
            for p in start..<end {
                let x = input + p * c, y = output + p * c, dy = outputGradient + p * c, dz = normGradient + p * c
                for j in 0..<c {
                    let centred = x[j] - mean[j]
                    let xhat = centred * invStd[j]
                    let g = dy[j] * derivative(centred * scale[j] + beta[j], y[j])
                    dz[j] = g
                    blockDz[j] += g
                    blockDzXhat[j] += g * xhat
                }
            }
            for j in 0..<c {
                sumDz[j] += Double(blockDz[j])
                sumDzXhat[j] += Double(blockDzXhat[j])
            }
            start = end
        }
    }

    /// sums[0..<C] += sum dy, sums[C..<2C] += sum dy * xhat, xhat = (x - mean) * invStd.
    public static func addGradientMoments(
        input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels c: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, sums: UnsafeMutablePointer<Double>
    ) {
        OpProfiler.measure(.batchNorm) {
            let sumDy = sums, sumDyXhat = sums + c
            for p in 0..<pixels {
                let x = input + p * c, dy = outputGradient + p * c
                for j in 0..<c {
                    let g = Double(dy[j])
                    sumDy[j] += g
                    sumDyXhat[j] += g * Double((x[j] - mean[j]) * invStd[j])
                }
            }
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
    /// (possibly all-reduced) batch.
    public static func inputGradient(
        input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels c: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        sums: UnsafePointer<Double>, count: Int, inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool,
        scratch: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.batchNorm) {
            // dx = a * dy + b * (x - mean) + d with a = gamma*invStd, b = -a*invStd*meanDyXhat, d = -a*meanDy
            // (the mean subtracted first, as in the forward, so no large terms cancel)
            let a = scratch, b = scratch + c, d = scratch + 2 * c
            for j in 0..<c {
                let meanDy = Float(sums[j] / Double(count)), meanDyXhat = Float(sums[c + j] / Double(count))
                a[j] = gamma[j] * invStd[j]
                b[j] = -a[j] * invStd[j] * meanDyXhat
                d[j] = -a[j] * meanDy
            }
            for p in 0..<pixels {
                let x = input + p * c, dy = outputGradient + p * c, dx = inputGradient + p * c
                if accumulate {
                    for j in 0..<c { dx[j] += a[j] * dy[j] + b[j] * (x[j] - mean[j]) + d[j] }
                } else {
                    for j in 0..<c { dx[j] = a[j] * dy[j] + b[j] * (x[j] - mean[j]) + d[j] }
                }
            }
        }
    }
}
