import Tensor
import TestSupport
import XCTest

final class Conv2DTests: XCTestCase {
    /// Forward against the double reference and all three gradients against finite differences. `operands` is what
    /// the GEMMs do to their operands (identity in fp32, `bf16Rounded` with bf16 GEMMs): the references take input,
    /// weight and upstream gradient through it where a GEMM reads them (the bias and its gradient stay fp32).
    private func checkConv(_ s: TensorShape, _ g: ConvGeometry, bias: Bool, tileBytes: Int = 8 << 20, seed: UInt64,
                           operands: (Float) -> Float = { $0 }, file: StaticString = #filePath, line: UInt = #line) throws {
        var random = SeededRandom(seed: seed)
        let x = random.floats(s.count), w = random.floats(g.weightCount, -0.5, 0.5), b = random.floats(g.outChannels)
        let o = try g.outputShape(for: s, layer: "test")
        let upstream = random.floats(o.count)
        let workspace = Workspace(im2colTileBytes: tileBytes)
        var output = [Float](repeating: 0, count: o.count)
        var dx = [Float](repeating: 0, count: s.count), dw = [Float](repeating: 0, count: w.count), db = [Float](repeating: 0, count: b.count)
        withPointers(x) { xp in withPointers(w) { wp in withPointers(b) { bp in withPointers(upstream) { up in
            Conv2D.forward(input: xp, inputShape: s, weight: wp, bias: bias ? bp : nil, output: &output, outputShape: o, geometry: g, workspace: workspace)
            dw.withUnsafeMutableBufferPointer { dwp in db.withUnsafeMutableBufferPointer { dbp in
                Conv2D.backward(input: xp, inputShape: s, weight: wp, outputGradient: up, outputShape: o, inputGradient: &dx,
                                accumulateInputGradient: false, weightGradient: dwp.baseAddress!, biasGradient: bias ? dbp.baseAddress! : nil,
                                geometry: g, workspace: workspace)
            } }
        } } } }
        let what = "conv k\(g.kernel) s\(g.stride) p\(g.padding) \(s)"
        let (xd, wd, bd) = (x.doubles, w.doubles, b.doubles)
        let (xr, wr, upstreamRounded) = (x.map(operands).doubles, w.map(operands).doubles, upstream.map(operands))
        assertClose(output, Reference.conv(xr, s, wr, bias ? bd : nil, g), atol: 1e-5, what + " forward", file: file, line: line)
        assertGradientsMatch(dx, numericGradient(at: xd) { weightedSum(Reference.conv($0, s, wr, bias ? bd : nil, g), upstreamRounded) }, what + " dinput", file: file, line: line)
        assertGradientsMatch(dw, numericGradient(at: wd) { weightedSum(Reference.conv(xr, s, $0, bias ? bd : nil, g), upstreamRounded) }, what + " dweight", file: file, line: line)
        if bias {
            assertGradientsMatch(db, numericGradient(at: bd) { weightedSum(Reference.conv(xd, s, wd, $0, g), upstream) }, what + " dbias", file: file, line: line)
        }
    }

    func testPointwiseFastPath() throws {
        try checkConv(TensorShape(n: 2, h: 3, w: 5, c: 6), ConvGeometry(inChannels: 6, outChannels: 4, kernel: 1), bias: false, seed: 1)
        try checkConv(TensorShape(n: 1, h: 4, w: 2, c: 3), ConvGeometry(inChannels: 3, outChannels: 7, kernel: 1), bias: true, seed: 2)
    }

    func testThreeByThreeStrideOne() throws {
        try checkConv(TensorShape(n: 2, h: 5, w: 6, c: 3), ConvGeometry(inChannels: 3, outChannels: 4, kernel: 3), bias: false, seed: 3)
    }

    func testThreeByThreeStrideTwoOddSize() throws {
        try checkConv(TensorShape(n: 2, h: 7, w: 6, c: 2), ConvGeometry(inChannels: 2, outChannels: 3, kernel: 3, stride: 2), bias: true, seed: 4)
    }

    func testSixBySixStrideTwoStem() throws {
        // The YOLOv5 v6.0 baseline stem: Conv(6, 2, 2).
        try checkConv(TensorShape(n: 2, h: 8, w: 6, c: 3), ConvGeometry(inChannels: 3, outChannels: 4, kernel: 6, stride: 2, padding: 2), bias: false, seed: 5)
    }

    func testOneByOneStrideTwoShortcut() throws {
        // ResNet's downsampling shortcut: not pointwise, goes through im2col.
        try checkConv(TensorShape(n: 2, h: 6, w: 4, c: 3), ConvGeometry(inChannels: 3, outChannels: 5, kernel: 1, stride: 2, padding: 0), bias: false, seed: 6)
    }

    /// With bf16 GEMMs every conv path (1x1 fast path, im2col, strided, the 6x6 stem, tiles) computes exactly the
    /// convolution of bf16-rounded input, weight and upstream gradient with fp32 sums (to the fp32 tolerances above),
    /// which differs from the fp32 result: so the bf16 path ran, and did nothing else to the numbers.
    func testBF16GEMMsRoundOperandsAndAccumulateInFP32() throws {
        try requireBF16GEMMs()
        try GEMMPrecision.with(.bf16) {
            try checkConv(TensorShape(n: 2, h: 3, w: 5, c: 6), ConvGeometry(inChannels: 6, outChannels: 4, kernel: 1), bias: true, seed: 11, operands: bf16Rounded)
            try checkConv(TensorShape(n: 2, h: 5, w: 6, c: 3), ConvGeometry(inChannels: 3, outChannels: 4, kernel: 3), bias: false, seed: 12, operands: bf16Rounded)
            try checkConv(TensorShape(n: 2, h: 7, w: 6, c: 2), ConvGeometry(inChannels: 2, outChannels: 3, kernel: 3, stride: 2), bias: true, seed: 13, operands: bf16Rounded)
            try checkConv(TensorShape(n: 2, h: 8, w: 6, c: 3), ConvGeometry(inChannels: 3, outChannels: 4, kernel: 6, stride: 2, padding: 2), bias: false, seed: 14, operands: bf16Rounded)
            let g = ConvGeometry(inChannels: 2, outChannels: 3, kernel: 3)
            try checkConv(TensorShape(n: 2, h: 5, w: 3, c: 2), g, bias: true, tileBytes: 3 * g.columns * 4, seed: 15, operands: bf16Rounded)
        }
        // The same convolution in fp32 and bf16 differs by bf16's rounding: about 2^-9 of the operands.
        let s = TensorShape(n: 1, h: 6, w: 6, c: 8), g = ConvGeometry(inChannels: 8, outChannels: 8, kernel: 3)
        var random = SeededRandom(seed: 16)
        let x = random.floats(s.count), w = random.floats(g.weightCount)
        let o = try g.outputShape(for: s, layer: "test")
        func forward() -> [Float] {
            var output = [Float](repeating: 0, count: o.count)
            Conv2D.forward(input: x, inputShape: s, weight: w, bias: nil, output: &output, outputShape: o, geometry: g, workspace: Workspace())
            return output
        }
        let fp32 = forward(), bf16 = try GEMMPrecision.with(.bf16) { forward() }
        let largest = fp32.map(abs).max()!, difference = zip(fp32, bf16).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(difference, 1e-4 * largest, "bf16 GEMMs gave the fp32 result: the bf16 path did not run")
        XCTAssertLessThan(difference, 2e-2 * largest, "bf16 GEMMs differ from fp32 by more than bf16 rounding explains")
    }

    func testTiledIm2ColMatchesUntiled() throws {
        // A budget of 3 rows' worth of columns forces many tiles, including a ragged last one.
        let g = ConvGeometry(inChannels: 2, outChannels: 3, kernel: 3)
        try checkConv(TensorShape(n: 2, h: 5, w: 3, c: 2), g, bias: true, tileBytes: 3 * g.columns * 4, seed: 7)
    }

    func testAccumulateAddsToExistingInputGradient() throws {
        for g in [ConvGeometry(inChannels: 2, outChannels: 3, kernel: 1), ConvGeometry(inChannels: 2, outChannels: 3, kernel: 3)] {
            let s = TensorShape(n: 1, h: 3, w: 4, c: 2)
            let o = try g.outputShape(for: s, layer: "test")
            var random = SeededRandom(seed: 8)
            let x = random.floats(s.count), w = random.floats(g.weightCount), up = random.floats(o.count)
            let workspace = Workspace()
            var fresh = [Float](repeating: 0, count: s.count), accumulated = [Float](repeating: 5, count: s.count)
            var dw = [Float](repeating: 0, count: w.count)
            for (accumulate, target) in [(false, 0), (true, 1)] {
                var gradient = target == 0 ? fresh : accumulated
                Conv2D.backward(input: x, inputShape: s, weight: w, outputGradient: up, outputShape: o, inputGradient: &gradient,
                                accumulateInputGradient: accumulate, weightGradient: &dw, biasGradient: nil, geometry: g, workspace: workspace)
                if target == 0 { fresh = gradient } else { accumulated = gradient }
            }
            for i in 0..<s.count { XCTAssertEqual(accumulated[i], fresh[i] + 5, accuracy: 1e-5) }
        }
    }

    func testWrongChannelCountNamesLayer() {
        let g = ConvGeometry(inChannels: 3, outChannels: 4, kernel: 3)
        XCTAssertThrowsError(try g.outputShape(for: TensorShape(n: 1, h: 8, w: 8, c: 5), layer: "model.1.conv")) { error in
            XCTAssertEqual("\(error)", "model.1.conv: shape error: expects 3 input channels, got input 1x5x8x8 (NCHW)")
        }
    }

    func testPyTorchWeightOrderRoundTrip() {
        let g = ConvGeometry(inChannels: 2, outChannels: 3, kernel: 3)
        let oihw = (0..<g.weightCount).map(Float.init)
        var ohwi = [Float](repeating: 0, count: g.weightCount), back = ohwi
        Conv2D.weightFromPyTorch(oihw, to: &ohwi, geometry: g)
        Conv2D.weightToPyTorch(ohwi, to: &back, geometry: g)
        XCTAssertEqual(back, oihw)
        // PyTorch's weight[o=1][i=1][ky=2][kx=0] = 1*18 + 1*9 + 2*3 + 0 = 33 sits at engine [1][2][0][1] = 18 + (2*3+0)*2 + 1.
        XCTAssertEqual(ohwi[18 + 12 + 1], 33)
    }
}
