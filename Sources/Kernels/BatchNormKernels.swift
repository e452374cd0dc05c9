import KernelInterface

/// Batch norm loops. Float partial sums over blocks of rows keep the inner loops vectorised; Double across blocks.
extension CPUKernels {
    public static func batchNormAddMoments(input: UnsafePointer<Float>, pixels: Int, channels c: Int, shift: UnsafePointer<Float>,
                                           moments: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Float>) {
        let sum = moments, squares = moments + c, blockSum = scratch, blockSquares = scratch + c
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

    /// scale[C] = gamma * invStd: BN(x) = (x - mean) * scale + beta, the one formula of the normalising forwards,
    /// which the fused backward repeats bit for bit. Subtracting the mean first keeps z exact to rounding also for
    /// channels whose mean is many standard deviations from 0.
    @inline(__always)
    private static func setScale(invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, channels c: Int, scale: UnsafeMutablePointer<Float>) {
        for j in 0..<c { scale[j] = gamma[j] * invStd[j] }
    }

    public static func batchNormNormalize(input: UnsafePointer<Float>, pixels: Int, channels c: Int, mean: UnsafePointer<Float>,
                                          invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                          activation: ActivationKind, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let scale = scratch
        setScale(invStd: invStd, gamma: gamma, channels: c, scale: scale)
        if activation == .identity {
            for p in 0..<pixels {
                let x = input + p * c, y = output + p * c
                for j in 0..<c { y[j] = (x[j] - mean[j]) * scale[j] + beta[j] }
            }
            return
        }
        activation.withFunction { act in
            for p in 0..<pixels {
                let x = input + p * c, y = output + p * c
                for j in 0..<c { y[j] = act((x[j] - mean[j]) * scale[j] + beta[j]) }
            }
        }
    }

    /// `output` is the forward's y, which gives SiLU's derivative without another exponential: s = sigmoid(z) = y / z
    /// and silu'(z) = s + y * (1 - s). That quotient is only sound for the very z the forward activated, so z is
    /// recomputed with `batchNormNormalize`'s exact arithmetic (a z rounded differently near 0 would make y / z
    /// arbitrarily large), and s is kept in sigmoid's range [0, 1].
    public static func batchNormActivationBackward(
        input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels c: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        activation: ActivationKind, normGradient: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutablePointer<Float>
    ) {
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

    public static func batchNormAddGradientMoments(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int,
                                                   channels c: Int, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                                   sums: UnsafeMutablePointer<Double>) {
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

    public static func batchNormInputGradient(
        input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels c: Int,
        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        sums: UnsafePointer<Double>, count: Int, inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool,
        scratch: UnsafeMutablePointer<Float>
    ) {
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
