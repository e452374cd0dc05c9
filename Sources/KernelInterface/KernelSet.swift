/// The project's own compute kernels: every hot loop outside the GEMMs (batch norm with its activation, pointwise
/// activations, im2col, SPD and the other layout ops, pooling, the optimizers' updates). Module `Kernels` implements
/// it for the baseline vector width (AVX2 + FMA on x86-64) and `KernelsAVX512`, compiled from the same source files,
/// for AVX-512; `Tensor.KernelVariant` picks one at run time from the CPU's features. Shapes are validated by the
/// callers (the Tensor ops) before a kernel runs; every pointer covers the counts its comment gives.
public protocol KernelSet {
    // MARK: Batch norm (per channel over the pixels of NHWC activations; sums in Double)

    /// With d = x - shift: moments[0..<C] += sum d, moments[C..<2C] += sum d^2 over input[P, C]. scratch: 2C floats.
    static func batchNormAddMoments(input: UnsafePointer<Float>, pixels: Int, channels: Int, shift: UnsafePointer<Float>,
                                    moments: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Float>)
    /// output[P, C] = act((input - mean) * gamma * invStd + beta) (identity for plain normalisation). scratch: C floats.
    static func batchNormNormalize(input: UnsafePointer<Float>, pixels: Int, channels: Int, mean: UnsafePointer<Float>,
                                   invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                   activation: ActivationKind, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>)
    /// normGradient[P, C] = doutput * act'(z) with z recomputed as the forward did; sums[0..<C] += sum dz,
    /// sums[C..<2C] += sum dz * xhat. scratch: `WideRows.batchNormScratchCount(channels:)` floats.
    static func batchNormActivationBackward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                            pixels: Int, channels: Int, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                            gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, activation: ActivationKind,
                                            normGradient: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Double>,
                                            scratch: UnsafeMutablePointer<Float>)
    /// sums[0..<C] += sum dy, sums[C..<2C] += sum dy * xhat.
    static func batchNormAddGradientMoments(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels: Int,
                                            mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, sums: UnsafeMutablePointer<Double>)
    /// dx (+)= gamma * invStd * (dy - sum_dy / count - xhat * sum_dy_xhat / count). scratch: `batchNormScratchCount` floats.
    static func batchNormInputGradient(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int, channels: Int,
                                       mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                       sums: UnsafePointer<Double>, count: Int, inputGradient: UnsafeMutablePointer<Float>,
                                       accumulate: Bool, scratch: UnsafeMutablePointer<Float>)

    // MARK: Pointwise   [count]

    /// output = act(input) for SiLU, ReLU, or sigmoid (`activation` nil).
    static func activationForward(_ activation: ActivationKind?, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int)
    /// dinput (+)= doutput * act'(x) from the input x (SiLU, ReLU), or from the output y for sigmoid (`activation` nil).
    static func activationBackward(_ activation: ActivationKind?, saved: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                   inputGradient: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool)
    /// output = a + b
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int)
    /// destination = source, or destination += source when `accumulate`.
    static func route(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool)

    // MARK: Layout (NHWC)

    /// columns[rowCount, K] = receptive fields of output pixels firstRow ..< firstRow + rowCount.
    static func im2col(input: UnsafePointer<Float>, inputShape: TensorShape, outputShape: TensorShape, geometry: ConvGeometry,
                       firstRow: Int, rowCount: Int, columns: UnsafeMutablePointer<Float>)
    /// `im2col` of 16-bit values (bf16 activations, for the bf16 GEMMs): the same columns, half the bytes.
    static func im2col(input: UnsafePointer<UInt16>, inputShape: TensorShape, outputShape: TensorShape, geometry: ConvGeometry,
                       firstRow: Int, rowCount: Int, columns: UnsafeMutablePointer<UInt16>)
    /// inputGradient += the column-gradient rows put back where `im2col` took them from.
    static func col2imAdd(columns: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>, inputShape: TensorShape,
                          outputShape: TensorShape, geometry: ConvGeometry, firstRow: Int, rowCount: Int)
    /// Space-to-depth (block 2, the SPD-Conv order) of input [N, H, W, C] into [N, H/2, W/2, 4C].
    static func spaceToDepth(input: UnsafePointer<Float>, inputShape: TensorShape, output: UnsafeMutablePointer<Float>)
    /// Its backward: dinput (+)= doutput rearranged back.
    static func spaceToDepthBackward(outputGradient: UnsafePointer<Float>, inputShape: TensorShape,
                                     inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool)
    /// Nearest-neighbour upsampling by 2 of [N, H, W, C].
    static func upsample(input: UnsafePointer<Float>, inputShape: TensorShape, output: UnsafeMutablePointer<Float>)
    /// Its backward: dinput (+)= the sum of the 4 output gradients each input pixel was copied to.
    static func upsampleBackward(outputGradient: UnsafePointer<Float>, inputShape: TensorShape,
                                 inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool)
    /// output[p, offset ..< offset + C] = input[p, :]   [P, C] -> [P, totalChannels]
    static func concat(input: UnsafePointer<Float>, channels: Int, pixels: Int, output: UnsafeMutablePointer<Float>,
                       totalChannels: Int, offset: Int)
    /// dinput (+)= doutput[:, offset ..< offset + C].
    static func concatBackward(outputGradient: UnsafePointer<Float>, totalChannels: Int, offset: Int, channels: Int, pixels: Int,
                               inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool)

    // MARK: Pooling

    /// Max pooling (PyTorch semantics: padding never wins, ties go to the first position); argmax = flat input index.
    static func maxPool(input: UnsafePointer<Float>, inputShape: TensorShape, output: UnsafeMutablePointer<Float>,
                        outputShape: TensorShape, kernel: Int, stride: Int, padding: Int, argmax: UnsafeMutablePointer<Int32>)
    /// dinput[argmax[i]] += doutput[i] (after zeroing dinput unless `accumulate`).
    static func maxPoolBackward(outputGradient: UnsafePointer<Float>, outputCount: Int, argmax: UnsafePointer<Int32>,
                                inputGradient: UnsafeMutablePointer<Float>, inputCount: Int, accumulate: Bool)
    /// output[b, c] = mean over H*W of input[b, :, :, c].
    static func globalAveragePool(input: UnsafePointer<Float>, inputShape: TensorShape, output: UnsafeMutablePointer<Float>)
    /// dinput[b, y, x, c] (+)= doutput[b, c] / (H*W).
    static func globalAveragePoolBackward(outputGradient: UnsafePointer<Float>, inputShape: TensorShape,
                                          inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool)

    // MARK: Optimizers   [count]

    /// SGD with momentum (PyTorch): d = g + decay * p, v = mu * v + d, p -= lr * (d + mu * v) (Nesterov) or lr * v.
    static func sgdStep(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, velocity: UnsafeMutablePointer<Float>,
                        count: Int, learningRate: Float, weightDecay: Float, momentum: Float, nesterov: Bool)
    /// Adam and AdamW (PyTorch): p *= 1 - lr * decoupledDecay (AdamW); g' = g + l2Decay * p (Adam's L2 decay);
    /// m, v moments of g'; p -= lr * (m / c1) / (sqrt(v / c2) + eps).
    static func adamStep(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, firstMoment: UnsafeMutablePointer<Float>,
                         secondMoment: UnsafeMutablePointer<Float>, count: Int, learningRate: Float, decoupledDecay: Float, l2Decay: Float,
                         beta1: Float, beta2: Float, eps: Float, correction1: Float, correction2: Float)
    /// average = decay * average + (1 - decay) * current (the EMA of the weights).
    static func exponentialMovingAverage(_ average: UnsafeMutablePointer<Float>, current: UnsafePointer<Float>, count: Int, decay: Float)
}
