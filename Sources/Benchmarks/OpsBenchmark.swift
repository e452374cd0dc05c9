import Models
import Tensor
import Support

/// `spd bench ops`: every distinct conv shape of a model timed through the engine (forward, backward-input,
/// backward-weight) beside the same GEMMs run alone through cblas, then a full training step's time split.
public struct OpsBenchmark {
    public var modelFile: String
    public var imageSize: Int
    public var batch: Int
    public var repeats: Int

    public init(modelFile: String, imageSize: Int, batch: Int, repeats: Int) {
        self.modelFile = modelFile
        self.imageSize = imageSize
        self.batch = batch
        self.repeats = repeats
    }

    /// Runs the benchmark, printing each table as it completes.
    public func run(print output: (String) -> Void) throws {
        var random = SeededGenerator(seed: 1)
        let images = Tensor(TensorShape(n: batch, h: imageSize, w: imageSize, c: 3))
        for i in 0..<images.count { images.pointer[i] = random.uniform(0, 1) }
        let model = try BenchedModel(AnyModelDefinition(contentsOf: modelFile), images: images)
        output(BLASCore.description)
        output(GEMMPrecision.description)
        output("OpenBLAS build: \(BLAS.configuration); \(modelFile) at \(imageSize)x\(imageSize), batch \(batch), best of \(repeats)")
        output(try convolutionTable(model.convolutions))
        output(try stepBreakdown(model, images: images.shape))
    }

    /// A model under test: its convolutions as the first forward ran them, and a training step without loss (forward,
    /// then backward from a fixed small random gradient of the outputs).
    struct BenchedModel {
        let convolutions: [ConvolutionShape]
        let step: () throws -> Void

        init(_ definition: AnyModelDefinition, images: Tensor) throws {
            var random = SeededGenerator(seed: 3)
            func gradient(like output: Tensor) -> Tensor {
                let t = Tensor(output.shape)
                for i in 0..<t.count { t.pointer[i] = random.uniform(-1e-3, 1e-3) }
                return t
            }
            switch definition {
            case let .detection(definition):
                let model = try DetectionModel(definition: definition)
                let gradients = try model.forward(images, training: true).map(gradient(like:))
                convolutions = model.convolutions
                step = {
                    _ = try model.forward(images, training: true)
                    model.state.zeroGradients()
                    model.backward(gradients)
                }
            case let .classification(definition):
                let model = try ClassificationModel(definition: definition)
                let logitGradient = try gradient(like: model.forward(images, training: true))
                convolutions = model.convolutions
                step = {
                    _ = try model.forward(images, training: true)
                    model.state.zeroGradients()
                    model.backward(logitGradient)
                }
            }
        }
    }

    private struct Timing { var conv: Double; var gemm: Double }

    func convolutionTable(_ convolutions: [ConvolutionShape]) throws -> String {
        var distinct: [(ConvolutionShape, Int)] = []
        for conv in convolutions {
            if let i = distinct.firstIndex(where: { $0.0.runsLike(conv) }) { distinct[i].1 += 1 } else { distinct.append((conv, 1)) }
        }
        var table = TextTable(["conv", "count", "in (CxHxW)", "k/s", "M", "N", "K",
                               "fwd GF/s", "gemm", "bwd-in GF/s", "gemm", "bwd-w GF/s", "gemm", "conv/gemm", "K>=256"])
        var misses: [String] = []
        for (conv, count) in distinct {
            let (g, s) = (conv.geometry, conv.inputShape)
            let o = try g.outputShape(for: s, layer: conv.name)
            let flops = g.forwardFLOPs(output: o)
            let (forward, backwardInput, backwardWeight) = try time(conv, outputShape: o)
            let ratio = (forward.gemm + backwardInput.gemm + backwardWeight.gemm) / (forward.conv + backwardInput.conv + backwardWeight.conv)
            let gated = g.columns >= 256
            if gated && ratio < 0.8 { misses.append(conv.name) }
            table.add([conv.name, "\(count)", "\(s.c)x\(s.h)x\(s.w)", "\(g.kernel)/\(g.stride)", "\(o.pixels)", "\(g.outChannels)", "\(g.columns)",
                       fixed(flops / forward.conv / 1e9), fixed(flops / forward.gemm / 1e9),
                       fixed(flops / backwardInput.conv / 1e9), fixed(flops / backwardInput.gemm / 1e9),
                       fixed(flops / backwardWeight.conv / 1e9), fixed(flops / backwardWeight.gemm / 1e9),
                       fixed(100 * ratio, 0) + "%", gated ? (ratio >= 0.8 ? "ok" : "MISS") : ""])
        }
        let verdict = misses.isEmpty ? "every shape with K >= 256 reaches 80% of its GEMM-only rate"
            : "below 80% of the GEMM-only rate: " + misses.joined(separator: ", ")
        return "\nConvolutions (M = output pixels, N = output channels, K = k*k*Cin; conv/gemm = GEMM-only time / engine time over fwd+bwd)\n"
            + table.rendered + "\n" + verdict
    }

    /// Times the engine's conv passes and the same GEMMs alone on untiled operands.
    private func time(_ conv: ConvolutionShape, outputShape o: TensorShape) throws -> (Timing, Timing, Timing) {
        let g = conv.geometry, s = conv.inputShape
        let workspace = Workspace()
        var random = SeededGenerator(seed: 2)
        func buffer(_ count: Int) -> FloatStorage {
            let storage = FloatStorage(capacity: count)
            for i in 0..<count { storage.pointer[i] = random.uniform(-1, 1) }
            return storage
        }
        let input = buffer(s.count), weight = buffer(g.weightCount), output = buffer(o.count), outputGradient = buffer(o.count)
        let inputGradient = buffer(s.count), weightGradient = buffer(g.weightCount), bias = buffer(g.outChannels)
        let forward = bestSeconds(repeats: repeats) {
            Conv2D.forward(input: input.pointer, inputShape: s, weight: weight.pointer, bias: conv.hasBias ? bias.pointer : nil,
                           output: output.pointer, outputShape: o, geometry: g, workspace: workspace)
        }
        let backwardInput = bestSeconds(repeats: repeats) {
            Conv2D.backwardInput(weight: weight.pointer, outputGradient: outputGradient.pointer, outputShape: o, inputGradient: inputGradient.pointer,
                                 inputShape: s, accumulate: false, geometry: g, workspace: workspace)
        }
        let backwardWeight = bestSeconds(repeats: repeats) {
            Conv2D.backwardWeight(input: input.pointer, inputShape: s, outputGradient: outputGradient.pointer, outputShape: o,
                                  weightGradient: weightGradient.pointer, biasGradient: conv.hasBias ? bias.pointer : nil, geometry: g, workspace: workspace)
        }
        // The GEMMs alone, on the whole column matrix (for 1x1 convs the activation itself).
        let m = o.pixels, n = g.outChannels, k = g.columns
        let columns = g.isPointwise ? input : buffer(m * k), columnGradient = g.isPointwise ? inputGradient : buffer(m * k)
        let gemmForward = bestSeconds(repeats: repeats) {
            BLAS.gemm(transA: false, transB: true, m: m, n: n, k: k, a: columns.pointer, lda: k, b: weight.pointer, ldb: k, beta: 0, c: output.pointer, ldc: n)
        }
        let gemmInput = bestSeconds(repeats: repeats) {
            BLAS.gemm(transA: false, transB: false, m: m, n: k, k: n, a: outputGradient.pointer, lda: n, b: weight.pointer, ldb: k, beta: 0,
                      c: columnGradient.pointer, ldc: k)
        }
        let gemmWeight = bestSeconds(repeats: repeats) {
            BLAS.gemm(transA: true, transB: false, m: n, n: k, k: m, a: outputGradient.pointer, lda: n, b: columns.pointer, ldb: k, beta: 1,
                      c: weightGradient.pointer, ldc: k)
        }
        return (Timing(conv: forward, gemm: gemmForward), Timing(conv: backwardInput, gemm: gemmInput), Timing(conv: backwardWeight, gemm: gemmWeight))
    }

    /// One training step (forward, backward from a synthetic output gradient) with its time split by op category.
    func stepBreakdown(_ model: BenchedModel, images: TensorShape) throws -> String {
        var best = Double.infinity, split = [Double](repeating: 0, count: OpCategory.allCases.count), gemmFLOPs = 0.0
        OpProfiler.isEnabled = true
        defer { OpProfiler.isEnabled = false }
        for _ in 0..<max(repeats, 1) + 1 {
            OpProfiler.reset()
            let start = monotonicSeconds()
            try model.step()
            let elapsed = monotonicSeconds() - start
            if elapsed < best {
                best = elapsed
                split = OpCategory.allCases.map { OpProfiler.seconds($0) }
                gemmFLOPs = OpProfiler.gemmFLOPs
            }
        }
        let gemm = split[OpCategory.gemm.rawValue]
        var table = TextTable(["part", "ms", "% of GEMM time"])
        for category in OpCategory.allCases {
            table.add([category.name, fixed(1000 * split[category.rawValue]), fixed(100 * split[category.rawValue] / gemm)])
        }
        let unbooked = best - split.reduce(0, +)
        table.add(["other (graph, bookkeeping)", fixed(1000 * unbooked), fixed(100 * unbooked / gemm)])
        let gemmOperands: Set<OpCategory> = [.gemm, .im2col, .bf16Rounding]
        let ops = OpCategory.allCases.filter { !gemmOperands.contains($0) }.reduce(0) { $0 + split[$1.rawValue] }
        return """

        Training step without loss (forward + backward, batch \(images.n), \(images.h)x\(images.w)): \(fixed(1000 * best)) ms, \
        \(fixed(Double(images.n) / best, 2)) images/s, GEMMs \(fixed(gemmFLOPs / gemm / 1e9)) GFLOP/s, whole step \(fixed(gemmFLOPs / best / 1e9)) GFLOP/s
        \(table.rendered)
        op set (BN, activations, SPD/concat/upsample/pool, residual) on top of GEMM time: \(fixed(100 * ops / gemm))% (target <= 15%); \
        all non-GEMM time: \(fixed(100 * (best - gemm) / gemm))%
        """
    }
}
