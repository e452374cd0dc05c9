import Foundation
import Tensor
import TestSupport
import XCTest

final class PoolingTests: XCTestCase {
    private func checkMaxPool(_ s: TensorShape, kernel: Int, stride: Int, padding: Int, seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let x = random.floats(s.count)
        let o = try MaxPool.outputShape(for: s, kernel: kernel, stride: stride, padding: padding, layer: "test")
        let up = random.floats(o.count)
        var output = [Float](repeating: 0, count: o.count), argmax = [Int32](repeating: 0, count: o.count), dx = [Float](repeating: 0, count: s.count)
        MaxPool.forward(input: x, inputShape: s, output: &output, outputShape: o, kernel: kernel, stride: stride, padding: padding, argmax: &argmax)
        assertClose(output, Reference.maxPool(x.doubles, s, kernel: kernel, stride: stride, padding: padding), atol: 0, rtol: 0, "maxpool forward")
        MaxPool.backward(outputGradient: up, outputCount: o.count, argmax: argmax, inputGradient: &dx, inputCount: s.count, accumulate: false)
        assertGradientsMatch(dx, numericGradient(at: x.doubles) {
            weightedSum(Reference.maxPool($0, s, kernel: kernel, stride: stride, padding: padding), up)
        }, "maxpool \(kernel)/\(stride)/\(padding) dinput")
    }

    func testMaxPoolSPPF() throws { try checkMaxPool(TensorShape(n: 2, h: 6, w: 7, c: 3), kernel: 5, stride: 1, padding: 2, seed: 41) }
    func testMaxPoolResNetStem() throws { try checkMaxPool(TensorShape(n: 2, h: 7, w: 6, c: 2), kernel: 3, stride: 2, padding: 1, seed: 42) }

    func testMaxPoolTiesGoToFirstPosition() {
        let s = TensorShape(n: 1, h: 2, w: 2, c: 1)
        var output: [Float] = [0], argmax: [Int32] = [0], dx = [Float](repeating: 0, count: 4)
        MaxPool.forward(input: [1, 3, 3, 2], inputShape: s, output: &output, outputShape: TensorShape(n: 1, h: 1, w: 1, c: 1),
                        kernel: 2, stride: 2, padding: 0, argmax: &argmax)
        MaxPool.backward(outputGradient: [1], outputCount: 1, argmax: argmax, inputGradient: &dx, inputCount: 4, accumulate: false)
        XCTAssertEqual(output, [3])
        XCTAssertEqual(dx, [0, 1, 0, 0])
    }

    func testGlobalAveragePool() {
        let s = TensorShape(n: 2, h: 3, w: 2, c: 4)
        var random = SeededRandom(seed: 43)
        let x = random.floats(s.count), up = random.floats(s.n * s.c)
        func reference(_ x: [Double]) -> [Double] {
            (0..<s.n * s.c).map { i in (0..<6).reduce(0) { $0 + x[((i / s.c) * 6 + $1) * s.c + i % s.c] } / 6 }
        }
        var output = [Float](repeating: 0, count: s.n * s.c), dx = [Float](repeating: 0, count: s.count)
        GlobalAveragePool.forward(input: x, inputShape: s, output: &output)
        assertClose(output, reference(x.doubles), "avgpool forward")
        GlobalAveragePool.backward(outputGradient: up, inputShape: s, inputGradient: &dx, accumulate: false)
        assertGradientsMatch(dx, numericGradient(at: x.doubles) { weightedSum(reference($0), up) }, "avgpool dinput")
    }
}

final class LinearTests: XCTestCase {
    /// Forward against the double reference and the gradients against finite differences; `operands` as in
    /// Conv2DTests (bf16 GEMMs read input, weight and upstream gradient rounded to bf16; the bias stays fp32).
    private func checkLinear(seed: UInt64, operands: (Float) -> Float = { $0 }) {
        let batch = 3, inF = 5, outF = 4
        var random = SeededRandom(seed: seed)
        let x = random.floats(batch * inF), w = random.floats(outF * inF), b = random.floats(outF), up = random.floats(batch * outF)
        var y = [Float](repeating: 0, count: batch * outF), dx = [Float](repeating: 0, count: x.count)
        var dw = [Float](repeating: 0, count: w.count), db = [Float](repeating: 0, count: outF)
        Linear.forward(input: x, batch: batch, inFeatures: inF, outFeatures: outF, weight: w, bias: b, output: &y)
        let (xd, wd, bd) = (x.doubles, w.doubles, b.doubles)
        let (xr, wr, upRounded) = (x.map(operands).doubles, w.map(operands).doubles, up.map(operands))
        assertClose(y, Reference.linear(xr, batch: batch, inFeatures: inF, outFeatures: outF, wr, bd), "linear forward")
        Linear.backward(input: x, batch: batch, inFeatures: inF, outFeatures: outF, weight: w, outputGradient: up,
                        inputGradient: &dx, accumulateInputGradient: false, weightGradient: &dw, biasGradient: &db)
        func loss(_ x: [Double], _ w: [Double], _ b: [Double], _ up: [Float]) -> Double {
            weightedSum(Reference.linear(x, batch: batch, inFeatures: inF, outFeatures: outF, w, b), up)
        }
        assertGradientsMatch(dx, numericGradient(at: xd) { loss($0, wr, bd, upRounded) }, "linear dinput")
        assertGradientsMatch(dw, numericGradient(at: wd) { loss(xr, $0, bd, upRounded) }, "linear dweight")
        assertGradientsMatch(db, numericGradient(at: bd) { loss(xd, wd, $0, up) }, "linear dbias")
    }

    func testForwardAndGradients() { checkLinear(seed: 51) }

    func testBF16GEMMsRoundOperandsAndAccumulateInFP32() throws {
        try requireBF16GEMMs()
        try GEMMPrecision.with(.bf16) { checkLinear(seed: 52, operands: bf16Rounded) }
    }
}

final class LossTests: XCTestCase {
    func testBCEWithLogitsValueAndGradient() {
        var random = SeededRandom(seed: 61)
        let logits = random.floats(13, -4, 4) + [30, -30], targets = random.floats(13, 0, 1) + [0, 1]
        for posWeight: Float in [1, 2.5] {
            func reference(_ x: [Double]) -> Double {
                zip(x, targets).reduce(0) { total, pair in
                    let (x, t) = (pair.0, Double(pair.1)), s = Reference.sigmoid(x)
                    let logS = x < -20 ? x : log(s), log1mS = x > 20 ? -x : log(1 - s)
                    return total - (Double(posWeight) * t * logS + (1 - t) * log1mS)
                } / Double(x.count)
            }
            var gradient = [Float](repeating: 0, count: logits.count)
            let value = Loss.bceWithLogits(logits: logits, targets: targets, count: logits.count, posWeight: posWeight, gradient: &gradient)
            XCTAssertEqual(value, reference(logits.doubles), accuracy: 1e-9)
            assertGradientsMatch(gradient, numericGradient(at: logits.doubles, reference), atol: 1e-6, rtol: 1e-4, "bce dlogits")
        }
    }

    func testBCEKnownValue() {
        // -log(sigmoid(0)) = log 2 for either target.
        XCTAssertEqual(Loss.bceWithLogits(logits: [0, 0], targets: [1, 0], count: 2, gradient: nil), log(2.0), accuracy: 1e-12)
    }

    func testSoftmaxCrossEntropyWithLabelSmoothing() throws {
        let batch = 3, classes = 5
        var random = SeededRandom(seed: 62)
        let logits = random.floats(batch * classes, -3, 3), labels = [4, 0, 2]
        for eps: Float in [0, 0.1] {
            func reference(_ x: [Double]) -> Double {
                (0..<batch).reduce(0) { total, b in
                    let row = Array(x[b * classes..<(b + 1) * classes])
                    let lse = log(row.reduce(0) { $0 + exp($1) })
                    return total - row.enumerated().reduce(0) { acc, item in
                        let target = (item.offset == labels[b] ? 1 - Double(eps) : 0) + Double(eps) / Double(classes)
                        return acc + target * (item.element - lse)
                    }
                } / Double(batch)
            }
            var gradient = [Float](repeating: 0, count: logits.count)
            let value = try Loss.softmaxCrossEntropy(logits: logits, labels: labels, classes: classes, labelSmoothing: eps, gradient: &gradient)
            XCTAssertEqual(value, reference(logits.doubles), accuracy: 1e-9)
            assertGradientsMatch(gradient, numericGradient(at: logits.doubles, reference), atol: 1e-6, rtol: 1e-4, "ce dlogits")
        }
    }

    func testCrossEntropyRejectsLabelOutOfRange() {
        XCTAssertThrowsError(try Loss.softmaxCrossEntropy(logits: [0, 0], labels: [2], classes: 2, gradient: nil)) { error in
            XCTAssertEqual("\(error)", "cross-entropy: invalid argument: label 2 of sample 0 is outside 0..<2")
        }
    }

    /// A batch split in parts of 2 and 1 samples, each averaged over the whole batch (`meanOver` 3): the parts' losses
    /// and gradients are the whole batch's; a mean over fewer samples than a part holds is refused.
    func testCrossEntropySharesOfALargerBatchAddUp() throws {
        let classes = 4
        var random = SeededRandom(seed: 63)
        let logits = random.floats(3 * classes, -3, 3), labels = [1, 3, 0]
        var whole = [Float](repeating: 0, count: logits.count), parts = whole
        let wholeValue = try Loss.softmaxCrossEntropy(logits: logits, labels: labels, classes: classes, gradient: &whole)
        let first = try parts.withUnsafeMutableBufferPointer {
            try Loss.softmaxCrossEntropy(logits: logits, labels: Array(labels[0..<2]), classes: classes, gradient: $0.baseAddress!, meanOver: 3)
        }
        let second = try parts.withUnsafeMutableBufferPointer {
            try Loss.softmaxCrossEntropy(logits: Array(logits[(2 * classes)...]), labels: [labels[2]], classes: classes,
                                         gradient: $0.baseAddress! + 2 * classes, meanOver: 3)
        }
        XCTAssertEqual(first + second, wholeValue, accuracy: 1e-12)
        XCTAssertEqual(parts, whole)
        XCTAssertThrowsError(try Loss.softmaxCrossEntropy(logits: logits, labels: labels, classes: classes, gradient: nil, meanOver: 2)) { error in
            XCTAssertEqual("\(error)", "cross-entropy: invalid argument: mean over 2 samples, but the batch has 3")
        }
    }
}
