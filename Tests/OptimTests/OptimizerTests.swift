import Models
import Optim
import Tensor
import XCTest

/// SGD, Adam and AdamW against PyTorch's update formulas, step by step.
final class OptimizerTests: XCTestCase {
    /// Two steps against PyTorch's SGD(momentum, nesterov, weight_decay) written out by hand: decay applies to the
    /// weight group only, each group uses its own learning rate.
    func testNesterovStepsMatchPyTorchFormula() throws {
        let state = ModelState()
        let weight = state.parameter("w", shape: [2], group: .weight)
        let bias = state.parameter("b", shape: [1], group: .bias)
        let scale = state.parameter("g", shape: [1], group: .batchNormWeight)
        try state.finalize(file: "test")
        state.values(weight).update(from: [1.0, -2.0], count: 2)
        state.values(bias).pointee = 0.5
        state.values(scale).pointee = 1
        let sgd = SGD(state: state, momentum: 0.9, nesterov: true, weightDecay: 0.1)
        let lrs: [ParameterGroup: Float] = [.weight: 0.01, .bias: 0.1, .batchNormWeight: 0.01]
        var expectedW: [Float] = [1.0, -2.0], bufferW: [Float] = [0, 0]
        var expectedB: Float = 0.5, bufferB: Float = 0
        for gradients in [([0.5, 1.0], 0.2), ([-0.25, 0.5], -0.4)] as [([Float], Float)] {
            state.zeroGradients()
            state.gradient(weight).update(from: gradients.0, count: 2)
            state.gradient(bias).pointee = gradients.1
            state.gradient(scale).pointee = 0.3
            sgd.step(learningRates: lrs)
            for i in 0..<2 {
                let d = gradients.0[i] + 0.1 * expectedW[i]
                bufferW[i] = 0.9 * bufferW[i] + d
                expectedW[i] -= 0.01 * (d + 0.9 * bufferW[i])
            }
            bufferB = 0.9 * bufferB + gradients.1
            expectedB -= 0.1 * (gradients.1 + 0.9 * bufferB)
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: state.values(weight), count: 2)), expectedW)
        XCTAssertEqual(state.values(bias).pointee, expectedB)
        // BN weight: no decay: 1 - 0.01 * (0.3 + 0.9 * 0.3), then with buffer 0.9 * 0.3 + 0.3.
        let first: Float = 1 - 0.01 * (0.3 + 0.9 * 0.3)
        XCTAssertEqual(state.values(scale).pointee, first - 0.01 * (0.3 + 0.9 * (0.9 * 0.3 + 0.3)), accuracy: 1e-7)
    }

    func testGroupWithoutLearningRateIsFrozen() throws {
        let state = ModelState()
        let weight = state.parameter("w", shape: [1], group: .weight)
        try state.finalize(file: "test")
        state.values(weight).pointee = 3
        state.gradient(weight).pointee = 1
        SGD(state: state, momentum: 0.9, weightDecay: 0).step(learningRates: [.bias: 1])
        XCTAssertEqual(state.values(weight).pointee, 3)
    }

    /// Adam (L2 decay added to the gradient, YOLOv5's `--adam`) and AdamW (decoupled decay) against PyTorch's
    /// formulas written out in Double: two steps, decay on the weight group only.
    func testAdamAndAdamWMatchPyTorchFormulas() throws {
        for decoupled in [false, true] {
            let state = ModelState()
            let weight = state.parameter("w", shape: [2], group: .weight)
            let bias = state.parameter("b", shape: [1], group: .bias)
            try state.finalize(file: "test")
            state.values(weight).update(from: [1.0, -2.0], count: 2)
            state.values(bias).pointee = 0.5
            let adam = AdamW(state: state, weightDecay: 0.1, decoupled: decoupled)
            var p: [Double] = [1, -2, 0.5], m: [Double] = [0, 0, 0], v: [Double] = [0, 0, 0]
            for (step, gradients) in [[0.5, 1.0, 0.2], [-0.25, 0.5, -0.4]].enumerated() {
                state.zeroGradients()
                state.gradient(weight).update(from: gradients.prefix(2).map(Float.init), count: 2)
                state.gradient(bias).pointee = Float(gradients[2])
                adam.step(learningRates: [.weight: 0.01, .bias: 0.1], momentum: 0.9)
                let t = Double(step + 1)
                for i in 0..<3 {
                    let lr = i < 2 ? 0.01 : 0.1, decay = i < 2 ? 0.1 : 0
                    var g = gradients[i]
                    if decoupled { p[i] *= 1 - lr * decay } else { g += decay * p[i] }
                    m[i] = 0.9 * m[i] + 0.1 * g
                    v[i] = 0.999 * v[i] + 0.001 * g * g
                    p[i] -= lr * (m[i] / (1 - pow(0.9, t))) / ((v[i] / (1 - pow(0.999, t))).squareRoot() + 1e-8)
                }
            }
            let got = Array(UnsafeBufferPointer(start: state.values(weight), count: 2)) + [state.values(bias).pointee]
            for i in 0..<3 { XCTAssertEqual(Double(got[i]), p[i], accuracy: 2e-6, "decoupled \(decoupled), parameter \(i)") }
        }
        // The two decays differ by far more than that tolerance after two steps.
        let a = ModelState(), b = ModelState()
        for state in [a, b] { _ = state.parameter("w", shape: [1], group: .weight); try state.finalize(file: "test") }
        for (state, decoupled) in [(a, false), (b, true)] {
            state.parameterBuffer[0] = 1
            let adam = AdamW(state: state, weightDecay: 0.5, decoupled: decoupled)
            for _ in 0..<2 { state.zeroGradients(); state.gradientBuffer[0] = 0.01; adam.step(learningRates: [.weight: 0.1], momentum: 0.9) }
        }
        XCTAssertGreaterThan(abs(a.parameterBuffer[0] - b.parameterBuffer[0]), 1e-3)
    }
}
