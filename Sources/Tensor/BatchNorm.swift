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
                        let d = row[j] - shift[j]
                        blockSum[j] += d
                        blockSquares[j] += d * d
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
    public static func scratchCount(channels c: Int) -> Int { max(6 * WideRows(channels: c).width, 3 * c) }

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
    /// dz and the (possibly all-reduced) sums. `scratch` holds `scratchCount(channels:)` floats.
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
        let rows = WideRows(channels: c), w = rows.width
        let wideScale = scratch, blockDz = scratch + w, blockDzXhat = scratch + 2 * w
        setScale(invStd: invStd, gamma: gamma, channels: c, scale: wideScale)
        rows.repeatChannels(wideScale)
        let wideMean = rows.wide(mean, scratch: scratch + 3 * w), wideInvStd = rows.wide(invStd, scratch: scratch + 4 * w)
        let wideBeta = rows.wide(beta, scratch: scratch + 5 * w)
        let sumDz = sums, sumDzXhat = sums + c
        // Float partial sums over blocks of about 64 pixels keep the inner loop vectorised; Double across blocks.
        let elements = pixels * c, block = rows.blockRows * w
        var start = 0
        while start < elements {
            let end = min(start + block, elements)
            for i in 0..<w { blockDz[i] = 0; blockDzXhat[i] = 0 }
            // Whole wide rows (a trip count of w lets the compiler see that the scratch vectors do not overlap), then
            // the last pixels.
            @inline(__always) func accumulate(row: Int, count: Int) {
                let x = input + row, y = output + row, dy = outputGradient + row, dz = normGradient + row
                for i in 0..<count {
                    let centred = x[i] - wideMean[i]
                    let xhat = centred * wideInvStd[i]
                    let g = dy[i] * derivative(centred * wideScale[i] + wideBeta[i], y[i])
                    dz[i] = g
                    blockDz[i] += g
                    blockDzXhat[i] += g * xhat
                }
            }
            var row = start
            while row + w <= end {
                accumulate(row: row, count: w)
                row += w
            }
            if row < end { accumulate(row: row, count: end - row) }
            for i in 0..<w {
                sumDz[i % c] += Double(blockDz[i])
                sumDzXhat[i % c] += Double(blockDzXhat[i])
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
    /// (possibly all-reduced) batch. `scratch` holds `scratchCount(channels:)` floats.
    public static func inputGradient(
        input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels c: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        sums: UnsafePointer<Double>, count: Int, inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool,
        scratch: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.batchNorm) {
            // dx = a * dy + b * (x - mean) + d with a = gamma*invStd, b = -a*invStd*meanDyXhat, d = -a*meanDy
            // (the mean subtracted first, as in the forward, so no large terms cancel)
            let rows = WideRows(channels: c), w = rows.width
            let a = scratch, b = scratch + w, d = scratch + 2 * w
            for j in 0..<c {
                let meanDy = Float(sums[j] / Double(count)), meanDyXhat = Float(sums[c + j] / Double(count))
                a[j] = gamma[j] * invStd[j]
                b[j] = -a[j] * invStd[j] * meanDyXhat
                d[j] = -a[j] * meanDy
            }
            rows.repeatChannels(a)
            rows.repeatChannels(b)
            rows.repeatChannels(d)
            let wideMean = rows.wide(mean, scratch: scratch + 3 * w)
            @inline(__always) func finish(row: Int, count: Int) {
                let x = input + row, dy = outputGradient + row, dx = inputGradient + row
                if accumulate {
                    for i in 0..<count { dx[i] += a[i] * dy[i] + b[i] * (x[i] - wideMean[i]) + d[i] }
                } else {
                    for i in 0..<count { dx[i] = a[i] * dy[i] + b[i] * (x[i] - wideMean[i]) + d[i] }
                }
            }
            let elements = pixels * c
            var row = 0
            while row + w <= elements {
                finish(row: row, count: w)
                row += w
            }
            if row < elements { finish(row: row, count: elements - row) }
        }
    }
}

/// Rows of several pixels for loops over few channels: a loop over 16 channels is shorter than one unrolled vector
/// body and runs scalar, so the backward passes run over `repeats` pixels at once (`width` = repeats * C >= 32
/// elements), with each per-channel vector repeated `repeats` times.
struct WideRows {
    let channels: Int
    let repeats: Int
    var width: Int { repeats * channels }
    /// Wide rows per block of about 64 pixels (the float partial sums' span).
    var blockRows: Int { max(1, 64 / repeats) }

    init(channels: Int) {
        self.channels = channels
        repeats = channels >= 32 ? 1 : (32 + channels - 1) / channels
    }

    /// `source[0..<C]` repeated to `width` floats: `source` itself for one pixel per row, else written to `scratch`.
    func wide(_ source: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        guard repeats > 1 else { return source }
        for r in 0..<repeats { (scratch + r * channels).update(from: source, count: channels) }
        return UnsafePointer(scratch)
    }

    /// vector[C..<width] = vector[0..<C] repeated.
    func repeatChannels(_ vector: UnsafeMutablePointer<Float>) {
        for r in stride(from: 1, to: repeats, by: 1) { (vector + r * channels).update(from: vector, count: channels) }
    }
}
