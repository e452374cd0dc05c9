import Tensor
import XCTest

final class BatchNormTests: XCTestCase {
    private func train(_ x: [Float], pixels: Int, channels c: Int, gamma: [Float], beta: [Float], eps: Float,
                       runningMean: inout [Float], runningVar: inout [Float], momentum: Float)
        -> (output: [Float], mean: [Float], invStd: [Float]) {
        var moments = [Double](repeating: 0, count: 2 * c)
        var mean = [Float](repeating: 0, count: c), invStd = mean, scratch = [Float](repeating: 0, count: 3 * c)
        var output = [Float](repeating: 0, count: x.count)
        BatchNorm.addMoments(input: x, pixels: pixels, channels: c, moments: &moments, scratch: &scratch)
        BatchNorm.statistics(moments: moments, count: pixels, channels: c, eps: eps, momentum: momentum, mean: &mean, invStd: &invStd,
                             runningMean: &runningMean, runningVar: &runningVar)
        BatchNorm.normalize(input: x, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma, beta: beta, output: &output, scratch: &scratch)
        return (output, mean, invStd)
    }

    func testTrainingForwardBackwardAndRunningStatistics() {
        let s = TensorShape(n: 2, h: 3, w: 5, c: 4), c = s.c, pixels = s.pixels
        var random = SeededRandom(seed: 11)
        let x = random.floats(s.count, -2, 3), gamma = random.floats(c, 0.5, 1.5), beta = random.floats(c), up = random.floats(s.count)
        var runningMean = [Float](repeating: 0, count: c), runningVar = [Float](repeating: 0.9, count: c)
        let (output, mean, invStd) = train(x, pixels: pixels, channels: c, gamma: gamma, beta: beta, eps: 1e-3,
                                           runningMean: &runningMean, runningVar: &runningVar, momentum: 0.03)
        assertClose(output, Reference.batchNorm(x.doubles, pixels: pixels, channels: c, gamma: gamma.doubles, beta: beta.doubles, eps: 1e-3), "bn forward")
        for j in 0..<c {
            let values = (0..<pixels).map { Double(x[$0 * c + j]) }
            let m = values.reduce(0, +) / Double(pixels)
            let unbiased = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(pixels - 1)
            XCTAssertEqual(Double(runningMean[j]), 0.03 * m, accuracy: 1e-6)
            XCTAssertEqual(Double(runningVar[j]), 0.97 * 0.9 + 0.03 * unbiased, accuracy: 1e-6)
        }

        var sums = [Double](repeating: 0, count: 2 * c), dx = [Float](repeating: 0, count: s.count)
        var dgamma = [Float](repeating: 0, count: c), dbeta = dgamma, scratch = [Float](repeating: 0, count: 3 * c)
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
        var whole = [Double](repeating: 0, count: 2 * c), split = whole, scratch = [Float](repeating: 0, count: 2 * c)
        BatchNorm.addMoments(input: x, pixels: pixels, channels: c, moments: &whole, scratch: &scratch)
        x.withUnsafeBufferPointer { p in
            BatchNorm.addMoments(input: p.baseAddress!, pixels: 4, channels: c, moments: &split, scratch: &scratch)
            BatchNorm.addMoments(input: p.baseAddress! + 4 * c, pixels: 6, channels: c, moments: &split, scratch: &scratch)
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
            var scratch = [Float](repeating: 0, count: 3 * c), output = [Float](repeating: 0, count: s.count)
            BatchNorm.addMoments(input: x, pixels: pixels, channels: c, moments: &moments, scratch: &scratch)
            BatchNorm.statistics(moments: moments, count: pixels, channels: c, eps: 1e-3, momentum: 0.03, mean: &mean, invStd: &invStd,
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
        var scratch = [Float](repeating: 0, count: 3), output = [Float](repeating: 0, count: pixels)
        BatchNorm.addMoments(input: x, pixels: pixels, channels: c, moments: &moments, scratch: &scratch)
        BatchNorm.statistics(moments: moments, count: pixels, channels: c, eps: 1e-5, momentum: 0.1, mean: &mean, invStd: &invStd,
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
}
