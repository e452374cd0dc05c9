import Tensor
import Support

/// YOLOv5's Bottleneck(c1, c2, shortcut, e): cv1 = Conv(c1, c2*e, 1), cv2 = Conv(c2*e, c2, 3), plus the input
/// when shortcut and c1 == c2. (Inside C3, e = 1.0; a Bottleneck row of a model file uses e = 0.5.)
public final class Bottleneck: SingleInputLayer {
    public let cv1: ConvBlock, cv2: ConvBlock
    public let adds: Bool
    private let output = Tensor(), hiddenGradient = Tensor()

    public init(_ context: ModelContext, prefix: String, _ c1: Int, _ c2: Int, shortcut: Bool, expansion: Double = 1) {
        let hidden = Int(Double(c2) * expansion)
        cv1 = ConvBlock(context, yolo: "\(prefix).cv1", c1, hidden, kernel: 1)
        cv2 = ConvBlock(context, yolo: "\(prefix).cv2", hidden, c2, kernel: 3)
        adds = shortcut && c1 == c2
    }

    func initialize(_ random: inout SeededGenerator) {
        cv1.initialize(&random)
        cv2.initialize(&random)
    }

    public var forwardFLOPs: Double { cv1.forwardFLOPs + cv2.forwardFLOPs }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let y = try cv2.forward(try cv1.forward(input, training: training), training: training)
        guard adds else { return y }
        output.reshape(y.shape)
        Elementwise.add(input.pointer, y.pointer, output: output.pointer, count: y.count)
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        let s = outputGradient.shape
        hiddenGradient.reshape(TensorShape(n: s.n, h: s.h, w: s.w, c: cv1.geometry.outChannels))
        cv2.backward(outputGradient, inputGradient: hiddenGradient, accumulate: false)
        cv1.backward(hiddenGradient, inputGradient: inputGradient, accumulate: accumulate)
        if adds, let inputGradient {
            Elementwise.route(outputGradient.pointer, into: inputGradient.pointer, count: outputGradient.count, accumulate: true)
        }
    }
}

/// YOLOv5's C3(c1, c2, n, shortcut): cv3(cat(m(cv1(x)), cv2(x))) with hidden width c2/2.
public final class C3: SingleInputLayer {
    public let cv1: ConvBlock, cv2: ConvBlock, cv3: ConvBlock
    public let bottlenecks: [Bottleneck]
    private let concatenated = Tensor(), concatGradient = Tensor(), branchGradient = Tensor()
    private let chainGradients = [Tensor(), Tensor()]
    private var chainOutput: Tensor?

    public init(_ context: ModelContext, prefix: String, _ c1: Int, _ c2: Int, repeats: Int, shortcut: Bool) {
        let hidden = c2 / 2
        cv1 = ConvBlock(context, yolo: "\(prefix).cv1", c1, hidden)
        cv2 = ConvBlock(context, yolo: "\(prefix).cv2", c1, hidden)
        cv3 = ConvBlock(context, yolo: "\(prefix).cv3", 2 * hidden, c2)
        bottlenecks = (0..<repeats).map { Bottleneck(context, prefix: "\(prefix).m.\($0)", hidden, hidden, shortcut: shortcut) }
    }

    func initialize(_ random: inout SeededGenerator) {
        cv1.initialize(&random); cv2.initialize(&random); cv3.initialize(&random)
        for b in bottlenecks { b.initialize(&random) }
    }

    public var forwardFLOPs: Double { cv1.forwardFLOPs + cv2.forwardFLOPs + cv3.forwardFLOPs + bottlenecks.reduce(0) { $0 + $1.forwardFLOPs } }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        var y = try cv1.forward(input, training: training)
        for b in bottlenecks { y = try b.forward(y, training: training) }
        let side = try cv2.forward(input, training: training)
        chainOutput = y
        let s = y.shape, total = s.c + side.shape.c
        concatenated.reshape(TensorShape(n: s.n, h: s.h, w: s.w, c: total))
        Concat.forward(input: y.pointer, channels: s.c, pixels: s.pixels, output: concatenated.pointer, totalChannels: total, offset: 0)
        Concat.forward(input: side.pointer, channels: side.shape.c, pixels: s.pixels, output: concatenated.pointer, totalChannels: total, offset: s.c)
        return try cv3.forward(concatenated, training: training)
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        let s = concatenated.shape, hidden = s.c / 2
        let hiddenShape = TensorShape(n: s.n, h: s.h, w: s.w, c: hidden)
        concatGradient.reshape(s)
        cv3.backward(outputGradient, inputGradient: concatGradient, accumulate: false)
        var upstream = chainGradients[0]
        upstream.reshape(hiddenShape)
        branchGradient.reshape(hiddenShape)
        Concat.backward(outputGradient: concatGradient.pointer, totalChannels: s.c, offset: 0, channels: hidden, pixels: s.pixels,
                        inputGradient: upstream.pointer, accumulate: false)
        Concat.backward(outputGradient: concatGradient.pointer, totalChannels: s.c, offset: hidden, channels: hidden, pixels: s.pixels,
                        inputGradient: branchGradient.pointer, accumulate: false)
        for (i, b) in bottlenecks.enumerated().reversed() {
            let downstream = chainGradients[(bottlenecks.count - i) % 2]
            downstream.reshape(hiddenShape)
            b.backward(upstream, inputGradient: downstream, accumulate: false)
            upstream = downstream
        }
        cv1.backward(upstream, inputGradient: inputGradient, accumulate: accumulate)
        cv2.backward(branchGradient, inputGradient: inputGradient, accumulate: inputGradient != nil)
    }
}

/// YOLOv5's SPPF(c1, c2, k): cv2(cat(x, m(x), m(m(x)), m(m(m(x))))) with x = cv1(input), m = MaxPool(k, 1, k/2).
public final class SPPF: SingleInputLayer {
    public let cv1: ConvBlock, cv2: ConvBlock
    public let kernel: Int
    private let pooled = [Tensor(), Tensor(), Tensor()], pooledGradients = [Tensor(), Tensor(), Tensor(), Tensor()]
    private let concatenated = Tensor(), concatGradient = Tensor()
    private var argmax = [[Int32]](repeating: [], count: 3)
    private let name: String

    public init(_ context: ModelContext, prefix: String, _ c1: Int, _ c2: Int, kernel: Int) {
        let hidden = c1 / 2
        name = prefix
        cv1 = ConvBlock(context, yolo: "\(prefix).cv1", c1, hidden)
        cv2 = ConvBlock(context, yolo: "\(prefix).cv2", 4 * hidden, c2)
        self.kernel = kernel
    }

    func initialize(_ random: inout SeededGenerator) { cv1.initialize(&random); cv2.initialize(&random) }

    public var forwardFLOPs: Double { cv1.forwardFLOPs + cv2.forwardFLOPs }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let x = try cv1.forward(input, training: training)
        let s = x.shape
        _ = try MaxPool.outputShape(for: s, kernel: kernel, stride: 1, padding: kernel / 2, layer: name)
        concatenated.reshape(TensorShape(n: s.n, h: s.h, w: s.w, c: 4 * s.c))
        var previous = x
        Concat.forward(input: x.pointer, channels: s.c, pixels: s.pixels, output: concatenated.pointer, totalChannels: 4 * s.c, offset: 0)
        for i in 0..<3 {
            pooled[i].reshape(s)
            if argmax[i].count != s.count { argmax[i] = [Int32](repeating: 0, count: s.count) }
            argmax[i].withUnsafeMutableBufferPointer {
                MaxPool.forward(input: previous.pointer, inputShape: s, output: pooled[i].pointer, outputShape: s,
                                kernel: kernel, stride: 1, padding: kernel / 2, argmax: $0.baseAddress!)
            }
            Concat.forward(input: pooled[i].pointer, channels: s.c, pixels: s.pixels, output: concatenated.pointer,
                           totalChannels: 4 * s.c, offset: (i + 1) * s.c)
            previous = pooled[i]
        }
        return try cv2.forward(concatenated, training: training)
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        let total = concatenated.shape, c = total.c / 4
        let s = TensorShape(n: total.n, h: total.h, w: total.w, c: c)
        concatGradient.reshape(total)
        cv2.backward(outputGradient, inputGradient: concatGradient, accumulate: false)
        for i in 0..<4 {
            pooledGradients[i].reshape(s)
            Concat.backward(outputGradient: concatGradient.pointer, totalChannels: total.c, offset: i * c, channels: c, pixels: s.pixels,
                            inputGradient: pooledGradients[i].pointer, accumulate: false)
        }
        // Pool i+1 read pool i's output (pool 0 read x): route each pooled gradient back one link.
        for i in (0..<3).reversed() {
            argmax[i].withUnsafeBufferPointer {
                MaxPool.backward(outputGradient: pooledGradients[i + 1].pointer, outputCount: s.count, argmax: $0.baseAddress!,
                                 inputGradient: pooledGradients[i].pointer, inputCount: s.count, accumulate: true)
            }
        }
        cv1.backward(pooledGradients[0], inputGradient: inputGradient, accumulate: accumulate)
    }
}

/// YOLOv5's Focus(c1, c2, k): space-to-depth, then Conv(4*c1, c2, k), named `prefix.conv`.
public final class Focus: SingleInputLayer {
    public let spd: SpaceToDepthLayer, conv: ConvBlock
    private let spdGradient = Tensor()

    public init(_ context: ModelContext, prefix: String, _ c1: Int, _ c2: Int, kernel: Int) {
        spd = SpaceToDepthLayer(name: prefix)
        conv = ConvBlock(context, yolo: "\(prefix).conv", 4 * c1, c2, kernel: kernel)
    }

    func initialize(_ random: inout SeededGenerator) { conv.initialize(&random) }

    public var forwardFLOPs: Double { conv.forwardFLOPs }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try conv.forward(try spd.forward(input, training: training), training: training)
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool) {
        guard let inputGradient else {
            conv.backward(outputGradient, inputGradient: nil, accumulate: false)
            return
        }
        spdGradient.reshape(TensorShape(n: inputGradient.shape.n, h: inputGradient.shape.h / 2, w: inputGradient.shape.w / 2, c: 4 * inputGradient.shape.c))
        conv.backward(outputGradient, inputGradient: spdGradient, accumulate: false)
        spd.backward(spdGradient, inputGradient: inputGradient, accumulate: accumulate)
    }
}
