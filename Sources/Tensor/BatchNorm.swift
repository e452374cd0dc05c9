/// Batch normalisation over the pixels of NHWC activations, per channel. Training is split into phases so a
/// synchronised BN can all-reduce the per-channel sums between them:
/// forward  = `addMoments` -> [all-reduce sums] -> `statistics` -> `normalize`
/// backward = `addGradientMoments` -> [all-reduce sums] -> `inputGradient` (+ parameter gradients from local sums).
/// Sums are accumulated in Double so large batches keep float32-level accuracy.
public enum BatchNorm {
    /// moments[0..<C] += sum_x, moments[C..<2C] += sum_x^2 over all pixels of input[P, C].
    public static func addMoments(input: UnsafePointer<Float>, pixels: Int, channels c: Int, moments: UnsafeMutablePointer<Double>) {
        let sum = moments, squares = moments + c
        for p in 0..<pixels {
            let row = input + p * c
            for j in 0..<c {
                let x = Double(row[j])
                sum[j] += x
                squares[j] += x * x
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

    /// Inference statistics: mean = runningMean, invStd = 1/sqrt(runningVar + eps).
    public static func inferenceStatistics(runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>, channels c: Int,
                                           eps: Float, mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>) {
        for j in 0..<c {
            mean[j] = runningMean[j]
            invStd[j] = Float(1 / (Double(runningVar[j]) + Double(eps)).squareRoot())
        }
    }

    /// output[P, C] = gamma * (input - mean) * invStd + beta.
    public static func normalize(
        input: UnsafePointer<Float>, pixels: Int, channels c: Int, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        // y = x * scale + shift with scale = gamma * invStd, shift = beta - mean * scale
        let scale = scratch, shift = scratch + c
        for j in 0..<c {
            scale[j] = gamma[j] * invStd[j]
            shift[j] = beta[j] - mean[j] * scale[j]
        }
        for p in 0..<pixels {
            let x = input + p * c, y = output + p * c
            for j in 0..<c { y[j] = x[j] * scale[j] + shift[j] }
        }
    }

    /// sums[0..<C] += sum dy, sums[C..<2C] += sum dy * xhat, xhat = (x - mean) * invStd.
    public static func addGradientMoments(
        input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels c: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, sums: UnsafeMutablePointer<Double>
    ) {
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

    /// dgamma += sum dy * xhat, dbeta += sum dy (from this rank's gradient moments).
    public static func addParameterGradients(sums: UnsafePointer<Double>, channels c: Int,
                                             gammaGradient: UnsafeMutablePointer<Float>, betaGradient: UnsafeMutablePointer<Float>) {
        for j in 0..<c {
            betaGradient[j] += Float(sums[j])
            gammaGradient[j] += Float(sums[c + j])
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
        // dx = a * dy + b * x + d with a = gamma*invStd, b = -a*invStd*meanDyXhat, d = -a*meanDy - b*mean
        let a = scratch, b = scratch + c, d = scratch + 2 * c
        for j in 0..<c {
            let meanDy = Float(sums[j] / Double(count)), meanDyXhat = Float(sums[c + j] / Double(count))
            a[j] = gamma[j] * invStd[j]
            b[j] = -a[j] * invStd[j] * meanDyXhat
            d[j] = -a[j] * meanDy - b[j] * mean[j]
        }
        for p in 0..<pixels {
            let x = input + p * c, dy = outputGradient + p * c, dx = inputGradient + p * c
            if accumulate {
                for j in 0..<c { dx[j] += a[j] * dy[j] + b[j] * x[j] + d[j] }
            } else {
                for j in 0..<c { dx[j] = a[j] * dy[j] + b[j] * x[j] + d[j] }
            }
        }
    }
}
