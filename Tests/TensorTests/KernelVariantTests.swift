import Kernels
import KernelsAVX512
import Tensor
import TestSupport
import XCTest

/// The AVX-512 build of the kernels computes exactly what the baseline build computes: every kernel of the set runs
/// in both builds on the same random inputs (channel counts around the vector widths, partial last rows), and the
/// outputs must be equal bit for bit (both builds do the same float operations in the same order per element; only
/// the vector width differs). The finite-difference tests of the ops check the active build's values.
final class KernelVariantTests: XCTestCase {
    private typealias Baseline = Kernels.CPUKernels
    private typealias Wide = KernelsAVX512.CPUKernels

    func testTheChoiceFollowsTheCPU() {
        let avx512 = CPUFeatures(model: "x", flags: ["avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])
        let avx2 = CPUFeatures(model: "x", flags: ["avx2", "fma"])
        #if arch(x86_64)
        XCTAssertEqual(KernelVariant.choose(requested: nil, features: avx512), .avx512)
        XCTAssertEqual(KernelVariant.choose(requested: "baseline", features: avx512), .baseline)
        #endif
        XCTAssertEqual(KernelVariant.choose(requested: nil, features: avx2), .baseline)
        XCTAssertEqual(KernelVariant.choose(requested: "avx512", features: avx2), .baseline, "never AVX-512 code on a CPU without it")
        XCTAssertEqual(KernelVariant.active, KernelVariant.choose(requested: ProcessInfo.processInfo.environment["SPD_KERNELS"], features: .current))
    }

    /// Runs `body` with the two builds' kernels when this CPU can run both; says so and checks nothing more otherwise.
    private func bothBuilds() -> Bool {
        guard KernelVariant.avx512.isSupported(on: .current) else {
            print("KernelVariantTests: this CPU has no AVX-512 (\(CPUFeatures.current.summary)); only the baseline build can run here")
            return false
        }
        return true
    }

    private func assertSame(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        if let i = a.indices.first(where: { i in i < b.count && a[i].bitPattern != b[i].bitPattern }) {
            XCTFail("\(what): element \(i) is \(a[i]) in the baseline build and \(b[i]) in the AVX-512 build", file: file, line: line)
        }
    }

    private func assertSame(_ a: [Double], _ b: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), what, file: file, line: line)
    }

    /// Runs `kernel` of each build on copies of `outputs` and returns the two results.
    private func run<T>(_ outputs: [T], _ kernel: (any KernelSet.Type, UnsafeMutablePointer<T>) -> Void) -> ([T], [T]) {
        var a = outputs, b = outputs
        a.withUnsafeMutableBufferPointer { kernel(Baseline.self, $0.baseAddress!) }
        b.withUnsafeMutableBufferPointer { kernel(Wide.self, $0.baseAddress!) }
        return (a, b)
    }

    func testBatchNormKernels() {
        guard bothBuilds() else { return }
        var random = SeededRandom(seed: 5)
        for c in [3, 16, 24, 40, 70] {
            let pixels = 131
            let x = random.floats(pixels * c, -3, 3), dy = random.floats(pixels * c)
            let mean = random.floats(c, -0.5, 0.5), invStd = random.floats(c, 0.5, 2), gamma = random.floats(c, 0.5, 1.5), beta = random.floats(c)
            let scratchCount = WideRows.batchNormScratchCount(channels: c)
            let scratch = [Float](repeating: 0, count: scratchCount)
            let moments = run([Double](repeating: 0, count: 2 * c)) { k, out in
                var s = scratch
                k.batchNormAddMoments(input: x, pixels: pixels, channels: c, shift: mean, moments: out, scratch: &s)
            }
            assertSame(moments.0, moments.1, "moments, \(c) channels")
            for activation in [ActivationKind.silu, .relu, .identity] {
                let y = run([Float](repeating: 0, count: x.count)) { k, out in
                    var s = scratch
                    k.batchNormNormalize(input: x, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma, beta: beta,
                                         activation: activation, output: out, scratch: &s)
                }
                assertSame(y.0, y.1, "normalize \(activation), \(c) channels")
                var sums = ([Double](repeating: 0, count: 2 * c), [Double](repeating: 0, count: 2 * c))
                let dz = run([Float](repeating: 0, count: x.count)) { k, out in
                    var s = scratch, local = [Double](repeating: 0, count: 2 * c)
                    k.batchNormActivationBackward(input: x, output: y.0, outputGradient: dy, pixels: pixels, channels: c, mean: mean,
                                                  invStd: invStd, gamma: gamma, beta: beta, activation: activation, normGradient: out,
                                                  sums: &local, scratch: &s)
                    if k == Baseline.self { sums.0 = local } else { sums.1 = local }
                }
                assertSame(dz.0, dz.1, "activation backward \(activation), \(c) channels")
                assertSame(sums.0, sums.1, "activation backward sums \(activation), \(c) channels")
            }
            let gradientMoments = run([Double](repeating: 0, count: 2 * c)) { k, out in
                k.batchNormAddGradientMoments(input: x, outputGradient: dy, pixels: pixels, channels: c, mean: mean, invStd: invStd, sums: out)
            }
            assertSame(gradientMoments.0, gradientMoments.1, "gradient moments, \(c) channels")
            for accumulate in [false, true] {
                let dx = run(random.floats(x.count)) { k, out in
                    var s = scratch
                    k.batchNormInputGradient(input: x, outputGradient: dy, pixels: pixels, channels: c, mean: mean, invStd: invStd, gamma: gamma,
                                             sums: gradientMoments.0, count: pixels, inputGradient: out, accumulate: accumulate, scratch: &s)
                }
                assertSame(dx.0, dx.1, "input gradient (accumulate \(accumulate)), \(c) channels")
            }
        }
    }

    func testPointwiseKernels() {
        guard bothBuilds() else { return }
        var random = SeededRandom(seed: 6)
        let count = 1000 + 13
        let x = random.floats(count, -20, 20), dy = random.floats(count), start = random.floats(count)
        for activation in [ActivationKind.silu, .relu, .identity, nil] {
            let y = run([Float](repeating: 0, count: count)) { k, out in k.activationForward(activation, input: x, output: out, count: count) }
            assertSame(y.0, y.1, "forward \(String(describing: activation))")
            for accumulate in [false, true] {
                let dx = run(start) { k, out in
                    k.activationBackward(activation, saved: x, outputGradient: dy, inputGradient: out, count: count, accumulate: accumulate)
                }
                assertSame(dx.0, dx.1, "backward \(String(describing: activation)) (accumulate \(accumulate))")
            }
        }
        let sum = run(start) { k, out in k.add(x, dy, output: out, count: count) }
        assertSame(sum.0, sum.1, "add")
        let routed = run(start) { k, out in k.route(x, into: out, count: count, accumulate: true) }
        assertSame(routed.0, routed.1, "route")
    }

    func testLayoutAndPoolingKernels() {
        guard bothBuilds() else { return }
        var random = SeededRandom(seed: 7)
        let s = TensorShape(n: 2, h: 10, w: 14, c: 19)
        let x = random.floats(s.count)
        let g = ConvGeometry(inChannels: 19, outChannels: 8, kernel: 3, stride: 2, padding: 1)
        let o = TensorShape(n: 2, h: 5, w: 7, c: 8)
        let columns = run([Float](repeating: 1, count: o.pixels * g.columns)) { k, out in
            k.im2col(input: x, inputShape: s, outputShape: o, geometry: g, firstRow: 0, rowCount: o.pixels, columns: out)
        }
        assertSame(columns.0, columns.1, "im2col")
        // The 16-bit im2col (bf16 columns) gathers the same elements: on the top halves of x it gives the top halves.
        let x16 = x.map { UInt16($0.bitPattern >> 16) }
        let columns16 = run([UInt16](repeating: 1, count: o.pixels * g.columns)) { k, out in
            k.im2col(input: x16, inputShape: s, outputShape: o, geometry: g, firstRow: 0, rowCount: o.pixels, columns: out)
        }
        XCTAssertEqual(columns16.0, columns16.1, "16-bit im2col")
        XCTAssertEqual(columns16.0, columns.0.map { UInt16($0.bitPattern >> 16) }, "16-bit im2col against the fp32 one")
        let back = run(random.floats(s.count)) { k, out in
            k.col2imAdd(columns: columns.0, inputGradient: out, inputShape: s, outputShape: o, geometry: g, firstRow: 0, rowCount: o.pixels)
        }
        assertSame(back.0, back.1, "col2im")
        let spd = run([Float](repeating: 0, count: s.count)) { k, out in k.spaceToDepth(input: x, inputShape: s, output: out) }
        assertSame(spd.0, spd.1, "space to depth")
        let spdBack = run(random.floats(s.count)) { k, out in
            k.spaceToDepthBackward(outputGradient: spd.0, inputShape: s, inputGradient: out, accumulate: true)
        }
        assertSame(spdBack.0, spdBack.1, "space to depth backward")
        let up = run([Float](repeating: 0, count: 4 * s.count)) { k, out in k.upsample(input: x, inputShape: s, output: out) }
        assertSame(up.0, up.1, "upsample")
        let upBack = run(random.floats(s.count)) { k, out in k.upsampleBackward(outputGradient: up.0, inputShape: s, inputGradient: out, accumulate: false) }
        assertSame(upBack.0, upBack.1, "upsample backward")
        let cat = run([Float](repeating: 0, count: s.pixels * 30)) { k, out in
            k.concat(input: x, channels: 19, pixels: s.pixels, output: out, totalChannels: 30, offset: 7)
        }
        assertSame(cat.0, cat.1, "concat")
        let catBack = run(random.floats(s.count)) { k, out in
            k.concatBackward(outputGradient: cat.0, totalChannels: 30, offset: 7, channels: 19, pixels: s.pixels, inputGradient: out, accumulate: true)
        }
        assertSame(catBack.0, catBack.1, "concat backward")
        var argmax = ([Int32](repeating: 0, count: s.count), [Int32](repeating: 0, count: s.count))
        let pooled = run([Float](repeating: 0, count: s.count)) { k, out in
            var indices = [Int32](repeating: 0, count: s.count)
            k.maxPool(input: x, inputShape: s, output: out, outputShape: s, kernel: 5, stride: 1, padding: 2, argmax: &indices)
            if k == Baseline.self { argmax.0 = indices } else { argmax.1 = indices }
        }
        assertSame(pooled.0, pooled.1, "max pool")
        XCTAssertEqual(argmax.0, argmax.1, "max pool argmax")
        let poolBack = run(random.floats(s.count)) { k, out in
            k.maxPoolBackward(outputGradient: x, outputCount: s.count, argmax: argmax.0, inputGradient: out, inputCount: s.count, accumulate: true)
        }
        assertSame(poolBack.0, poolBack.1, "max pool backward")
        let average = run([Float](repeating: 0, count: s.n * s.c)) { k, out in k.globalAveragePool(input: x, inputShape: s, output: out) }
        assertSame(average.0, average.1, "global average pool")
        let averageBack = run(random.floats(s.count)) { k, out in
            k.globalAveragePoolBackward(outputGradient: average.0, inputShape: s, inputGradient: out, accumulate: true)
        }
        assertSame(averageBack.0, averageBack.1, "global average pool backward")
    }

    func testOptimizerKernels() {
        guard bothBuilds() else { return }
        var random = SeededRandom(seed: 8)
        let count = 777
        let p = random.floats(count), g = random.floats(count, -0.1, 0.1), m = random.floats(count, -0.01, 0.01), v = random.floats(count, 0, 0.01)
        for nesterov in [true, false] {
            var velocities = (m, m)
            let sgd = run(p) { k, out in
                var velocity = m
                k.sgdStep(parameters: out, gradients: g, velocity: &velocity, count: count, learningRate: 0.01, weightDecay: 5e-4,
                          momentum: 0.937, nesterov: nesterov)
                if k == Baseline.self { velocities.0 = velocity } else { velocities.1 = velocity }
            }
            assertSame(sgd.0, sgd.1, "SGD (Nesterov \(nesterov))")
            assertSame(velocities.0, velocities.1, "SGD momentum buffer")
        }
        var moments = ((m, v), (m, v))
        let adam = run(p) { k, out in
            var first = m, second = v
            k.adamStep(parameters: out, gradients: g, firstMoment: &first, secondMoment: &second, count: count, learningRate: 0.001,
                       decoupledDecay: 0.01, l2Decay: 0.0005, beta1: 0.9, beta2: 0.999, eps: 1e-8, correction1: 0.1, correction2: 0.001)
            if k == Baseline.self { moments.0 = (first, second) } else { moments.1 = (first, second) }
        }
        assertSame(adam.0, adam.1, "AdamW")
        assertSame(moments.0.0, moments.1.0, "AdamW first moment")
        assertSame(moments.0.1, moments.1.1, "AdamW second moment")
        let ema = run(p) { k, out in k.exponentialMovingAverage(out, current: g, count: count, decay: 0.9999) }
        assertSame(ema.0, ema.1, "EMA")
    }
}
