import Tensor
import TestSupport
import XCTest

final class BatchNormTests: XCTestCase {
    private func train(_ x: [Float], pixels: Int, channels c: Int, gamma: [Float], beta: [Float], eps: Float,
                       runningMean: inout [Float], runningVar: inout [Float], momentum: Float)
        -> (output: [Float], mean: [Float], invStd: [Float]) {
        var moments = [Double](repeating: 0, count: 2 * c)
        var mean = [Float](repeating: 0, count: c), invStd = mean, scratch = [Float](repeating: 0, count: 3 * c)
        var output = [Float](repeating: 0, count: x.count)
        let shift = runningMean
        BatchNorm.addMoments(input: x, pixels: pixels, channels: c, shift: shift, moments: &moments, scratch: &scratch)
        BatchNorm.statistics(moments: moments, shift: shift, count: pixels, channels: c, eps: eps, momentum: momentum, mean: &mean, invStd: &invStd,
                             runningMean: &runningMean, runningVar: &runningVar)
        BatchNorm.normalize(input: x, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma, beta: beta, output: &output, scratch: &scratch)
        return (output, mean, invStd)
    }

    func testTrainingForwardBackwardAndRunningStatistics() {
        let s = TensorShape(n: 2, h: 3, w: 5, c: 4), c = s.c, pixels = s.pixels
        var random = SeededRandom(seed: 11)
        let x = random.floats(s.count, -2, 3), gamma = random.floats(c, 0.5, 1.5), beta = random.floats(c), up = random.floats(s.count)
        var runningMean = [Float](repeating: 0.5, count: c), runningVar = [Float](repeating: 0.9, count: c)
        let (output, mean, invStd) = train(x, pixels: pixels, channels: c, gamma: gamma, beta: beta, eps: 1e-3,
                                           runningMean: &runningMean, runningVar: &runningVar, momentum: 0.03)
        assertClose(output, Reference.batchNorm(x.doubles, pixels: pixels, channels: c, gamma: gamma.doubles, beta: beta.doubles, eps: 1e-3), "bn forward")
        for j in 0..<c {
            let values = (0..<pixels).map { Double(x[$0 * c + j]) }
            let m = values.reduce(0, +) / Double(pixels)
            let unbiased = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(pixels - 1)
            XCTAssertEqual(Double(runningMean[j]), 0.97 * 0.5 + 0.03 * m, accuracy: 1e-6)
            XCTAssertEqual(Double(runningVar[j]), 0.97 * 0.9 + 0.03 * unbiased, accuracy: 1e-6)
        }

        var sums = [Double](repeating: 0, count: 2 * c), dx = [Float](repeating: 0, count: s.count)
        var dgamma = [Float](repeating: 0, count: c), dbeta = dgamma, scratch = [Float](repeating: 0, count: BatchNorm.scratchCount(channels: c))
        BatchNorm.addGradientMoments(input: x, outputGradient: up, pixels: pixels, channels: c, mean: mean, invStd: invStd, sums: &sums)
        BatchNorm.addParameterGradients(sums: sums, channels: c, gammaGradient: &dgamma, betaGradient: &dbeta)
        BatchNorm.inputGradient(input: x, outputGradient: up, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma,
                                sums: sums, count: pixels, inputGradient: &dx, accumulate: false, scratch: &scratch)
        let (xd, gd, bd) = (x.doubles, gamma.doubles, beta.doubles)
        func loss(_ x: [Double], _ g: [Double], _ b: [Double]) -> Double {
            weightedSum(Reference.batchNorm(x, pixels: pixels, channels: c, gamma: g, beta: b, eps: 1e-3), up)
        }
        assertGradientsMatch(dx, numericGradient(at: xd) { loss($0, gd, bd) }, "bn dinput")
        assertGradientsMatch(dgamma, numericGradient(at: gd) { loss(xd, $0, bd) }, "bn dgamma")
        assertGradientsMatch(dbeta, numericGradient(at: bd) { loss(xd, gd, $0) }, "bn dbeta")
    }

    /// Statistics gathered in two halves (what SyncBN does across ranks) equal the whole batch's.
    func testSplitMomentsEqualWholeBatch() {
        let c = 3, pixels = 10
        var random = SeededRandom(seed: 12)
        let x = random.floats(pixels * c)
        let shift: [Float] = [0.1, -0.2, 0.3]
        var whole = [Double](repeating: 0, count: 2 * c), split = whole, scratch = [Float](repeating: 0, count: 2 * c)
        BatchNorm.addMoments(input: x, pixels: pixels, channels: c, shift: shift, moments: &whole, scratch: &scratch)
        x.withUnsafeBufferPointer { p in
            BatchNorm.addMoments(input: p.baseAddress!, pixels: 4, channels: c, shift: shift, moments: &split, scratch: &scratch)
            BatchNorm.addMoments(input: p.baseAddress! + 4 * c, pixels: 6, channels: c, shift: shift, moments: &split, scratch: &scratch)
        }
        for j in 0..<2 * c { XCTAssertEqual(whole[j], split[j], accuracy: 1e-6 * abs(whole[j])) }
    }

    func testInferenceUsesRunningStatistics() {
        let c = 2
        var mean = [Float](repeating: 0, count: c), invStd = mean, out = [Float](repeating: 0, count: 4), scratch = [Float](repeating: 0, count: 3 * c)
        BatchNorm.inferenceStatistics(runningMean: [1, -1], runningVar: [4, 0.25], channels: c, eps: 0, mean: &mean, invStd: &invStd)
        BatchNorm.normalize(input: [3, 0, 5, 1], pixels: 2, channels: c, mean: mean, invStd: invStd, gamma: [2, 1], beta: [0.5, 0],
                            output: &out, scratch: &scratch)
        XCTAssertEqual(out, [2.5, 2, 4.5, 4])
    }

    /// act(BN(x)) forward in one pass, and its backward (fused activation pass + input-gradient pass), for each
    /// activation, against the double reference and finite differences.
    func testFusedNormalizeActivateForwardAndBackward() {
        let s = TensorShape(n: 2, h: 3, w: 4, c: 5), c = s.c, pixels = s.pixels
        var random = SeededRandom(seed: 13)
        let x = random.floats(s.count, -2, 2), gamma = random.floats(c, 0.5, 1.5), beta = random.floats(c, -0.5, 0.5), up = random.floats(s.count)
        let activations: [(ActivationKind, (Double) -> Double)] = [(.silu, { $0 * Reference.sigmoid($0) }), (.relu, { max($0, 0) }), (.identity, { $0 })]
        for (kind, act) in activations {
            var runningMean = [Float](repeating: 0, count: c), runningVar = runningMean
            var moments = [Double](repeating: 0, count: 2 * c), mean = [Float](repeating: 0, count: c), invStd = mean
            var scratch = [Float](repeating: 0, count: BatchNorm.scratchCount(channels: c)), output = [Float](repeating: 0, count: s.count)
            let shift = runningMean
            BatchNorm.addMoments(input: x, pixels: pixels, channels: c, shift: shift, moments: &moments, scratch: &scratch)
            BatchNorm.statistics(moments: moments, shift: shift, count: pixels, channels: c, eps: 1e-3, momentum: 0.03, mean: &mean, invStd: &invStd,
                                 runningMean: &runningMean, runningVar: &runningVar)
            BatchNorm.normalizeActivate(input: x, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma, beta: beta,
                                        activation: kind, output: &output, scratch: &scratch)
            func reference(_ x: [Double], _ g: [Double], _ b: [Double]) -> [Double] {
                Reference.batchNorm(x, pixels: pixels, channels: c, gamma: g, beta: b, eps: 1e-3).map(act)
            }
            let (xd, gd, bd) = (x.doubles, gamma.doubles, beta.doubles)
            assertClose(output, reference(xd, gd, bd), atol: 1e-5, "\(kind) forward")

            var sums = [Double](repeating: 0, count: 2 * c), normGradient = [Float](repeating: 0, count: s.count)
            var dx = [Float](repeating: 0, count: s.count), dgamma = [Float](repeating: 0, count: c), dbeta = dgamma
            BatchNorm.activationBackwardMoments(input: x, output: output, outputGradient: up, pixels: pixels, channels: c, mean: mean, invStd: invStd,
                                                gamma: gamma, beta: beta, activation: kind, normGradient: &normGradient, sums: &sums, scratch: &scratch)
            BatchNorm.addParameterGradients(sums: sums, channels: c, gammaGradient: &dgamma, betaGradient: &dbeta)
            BatchNorm.inputGradient(input: x, outputGradient: normGradient, pixels: pixels, channels: c, mean: mean, invStd: invStd,
                                    gamma: gamma, sums: sums, count: pixels, inputGradient: &dx, accumulate: false, scratch: &scratch)
            assertGradientsMatch(dx, numericGradient(at: xd) { weightedSum(reference($0, gd, bd), up) }, "\(kind) dinput")
            assertGradientsMatch(dgamma, numericGradient(at: gd) { weightedSum(reference(xd, $0, bd), up) }, "\(kind) dgamma")
            assertGradientsMatch(dbeta, numericGradient(at: bd) { weightedSum(reference(xd, gd, $0), up) }, "\(kind) dbeta")
        }
    }

    /// A channel whose mean is 170,000 standard deviations from 0 (x = 1000 +- 0.01): SiLU's derivative,
    /// taken as y / z from the forward's output, stays within silu' range [-0.1, 1.1] and matches the exact
    /// derivative at z = BN(x), and the forward's z is exact to rounding of (x - mean).
    func testSiLUDerivativeStaysExactForAChannelFarFromZero() {
        let pixels = 4096, c = 1
        var random = SeededRandom(seed: 5)
        let x = random.floats(pixels, -1, 1).map { 1000 + $0 * 0.01 }
        let gamma: [Float] = [1], beta: [Float] = [0], up = [Float](repeating: 1, count: pixels)
        var moments = [Double](repeating: 0, count: 2), mean: [Float] = [0], invStd: [Float] = [0], runningMean: [Float] = [0], runningVar: [Float] = [1]
        var scratch = [Float](repeating: 0, count: BatchNorm.scratchCount(channels: c)), output = [Float](repeating: 0, count: pixels)
        let shift = runningMean
        BatchNorm.addMoments(input: x, pixels: pixels, channels: c, shift: shift, moments: &moments, scratch: &scratch)
        BatchNorm.statistics(moments: moments, shift: shift, count: pixels, channels: c, eps: 1e-5, momentum: 0.1, mean: &mean, invStd: &invStd,
                             runningMean: &runningMean, runningVar: &runningVar)
        BatchNorm.normalizeActivate(input: x, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma, beta: beta,
                                    activation: .silu, output: &output, scratch: &scratch)
        var sums = [Double](repeating: 0, count: 2), normGradient = [Float](repeating: 0, count: pixels)
        BatchNorm.activationBackwardMoments(input: x, output: output, outputGradient: up, pixels: pixels, channels: c, mean: mean, invStd: invStd,
                                            gamma: gamma, beta: beta, activation: .silu, normGradient: &normGradient, sums: &sums, scratch: &scratch)
        for p in 0..<pixels {
            let z = Double(x[p] - mean[0]) * Double(invStd[0])
            let s = Reference.sigmoid(z)
            XCTAssertEqual(Double(output[p]), z * s, accuracy: 1e-4 * max(1, abs(z)), "forward at pixel \(p), z \(z)")
            XCTAssertEqual(Double(normGradient[p]), s + z * s * (1 - s), accuracy: 1e-3, "silu'(z) at pixel \(p), z \(z)")
        }
    }

    /// A channel at 1000 +- 0.01: about a shift near its mean (the running mean after some steps) the batch variance
    /// is exact to float rounding; about 0 the same sums cancel and lose it.
    func testVarianceAboutTheRunningMeanIsExactForAChannelFarFromZero() {
        let pixels = 4096, c = 1
        var random = SeededRandom(seed: 6)
        let x = random.floats(pixels, -1, 1).map { 1000 + $0 * 0.01 }
        let values = x.map(Double.init), m = values.reduce(0, +) / Double(pixels)
        let exact = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(pixels)
        func batchVariance(shift: Float) -> Double {
            var moments = [Double](repeating: 0, count: 2), scratch = [Float](repeating: 0, count: 2), mean: [Float] = [0], invStd: [Float] = [0]
            var runningMean: [Float] = [shift], runningVar: [Float] = [1]
            BatchNorm.addMoments(input: x, pixels: pixels, channels: c, shift: [shift], moments: &moments, scratch: &scratch)
            BatchNorm.statistics(moments: moments, shift: [shift], count: pixels, channels: c, eps: 0, momentum: 0.1, mean: &mean, invStd: &invStd,
                                 runningMean: &runningMean, runningVar: &runningVar)
            XCTAssertEqual(Double(mean[0]), m, accuracy: 1e-4)
            return 1 / (Double(invStd[0]) * Double(invStd[0]))
        }
        XCTAssertEqual(batchVariance(shift: 999.99), exact, accuracy: 1e-4 * exact)
        XCTAssertGreaterThan(abs(batchVariance(shift: 0) - exact), 1e-2 * exact, "about 0 the variance should cancel (the test's premise)")
    }

    /// The fused backward passes, which run several pixels per row for few channels, over many blocks with a partial
    /// last row: dz, its sums and dx equal a direct Double computation, for 5, 16 and 70 channels.
    func testFusedBackwardOverManyBlocksMatchesADirectComputation() {
        for c in [5, 16, 70] {
            let pixels = 203
            var random = SeededRandom(seed: UInt64(40 + c))
            let x = random.floats(pixels * c, -2, 2), up = random.floats(pixels * c)
            let gamma = random.floats(c, 0.5, 1.5), beta = random.floats(c, -0.5, 0.5)
            let mean = random.floats(c, -0.2, 0.2), invStd = random.floats(c, 0.5, 2)
            var scratch = [Float](repeating: 0, count: BatchNorm.scratchCount(channels: c)), output = [Float](repeating: 0, count: x.count)
            BatchNorm.normalizeActivate(input: x, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma, beta: beta,
                                        activation: .relu, output: &output, scratch: &scratch)
            var sums = [Double](repeating: 0, count: 2 * c), dz = [Float](repeating: 0, count: x.count), dx = dz
            BatchNorm.activationBackwardMoments(input: x, output: output, outputGradient: up, pixels: pixels, channels: c, mean: mean, invStd: invStd,
                                                gamma: gamma, beta: beta, activation: .relu, normGradient: &dz, sums: &sums, scratch: &scratch)
            BatchNorm.inputGradient(input: x, outputGradient: dz, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma,
                                    sums: sums, count: pixels, inputGradient: &dx, accumulate: false, scratch: &scratch)
            var expectedSums = [Double](repeating: 0, count: 2 * c)
            for p in 0..<pixels {
                for j in 0..<c {
                    let xhat = Double(x[p * c + j] - mean[j]) * Double(invStd[j])
                    let g = Double(gamma[j]) * xhat + Double(beta[j]) > 0 ? Double(up[p * c + j]) : 0
                    XCTAssertEqual(Double(dz[p * c + j]), g, accuracy: 1e-6, "c \(c) dz at \(p), \(j)")
                    expectedSums[j] += g
                    expectedSums[c + j] += g * xhat
                }
            }
            for k in 0..<2 * c { XCTAssertEqual(sums[k], expectedSums[k], accuracy: 1e-4, "c \(c) sum \(k)") }
            for p in 0..<pixels {
                for j in 0..<c {
                    let xhat = Double(x[p * c + j] - mean[j]) * Double(invStd[j]), n = Double(pixels)
                    let expected = Double(gamma[j]) * Double(invStd[j]) * (Double(dz[p * c + j]) - expectedSums[j] / n - xhat * expectedSums[c + j] / n)
                    XCTAssertEqual(Double(dx[p * c + j]), expected, accuracy: 1e-5, "c \(c) dx at \(p), \(j)")
                }
            }
        }
    }
}
