import Tensor

/// Batch norm followed by an activation over activations owned by the calling layer: the BN half of ConvBlock and
/// of layers whose BN does not directly follow their conv (ResNet-SPD's conv -> SPD -> BN -> ReLU). Forward and
/// backward use the fused kernels (one normalise+activate pass; one backward pass that also gathers the BN sums),
/// and sum their statistics over replicas through the context's `statisticsReducer` (SyncBN).
final class BatchNormActivation {
    let batchNorm: BatchNormState
    let activation: ActivationKind
    private unowned let context: ModelContext
    /// Statistics of the last forward: mean[C], invStd[C], then scratch (`BatchNorm.scratchCount`); moments in Double [2C] plus the pixel count
    /// they cover (summed over replicas with synchronised batch norm).
    private var statistics: [Float], moments: [Double]

    init(_ context: ModelContext, name: String, channels: Int, activation: ActivationKind, settings: BatchNormSettings) {
        self.context = context
        self.activation = activation
        batchNorm = BatchNormState(context, name: name, channels: channels, settings: settings)
        statistics = [Float](repeating: 0, count: 2 * channels + BatchNorm.scratchCount(channels: channels))
        moments = [Double](repeating: 0, count: 2 * channels + 1)
    }

    /// output[P, C] = act(BN(input[P, C])), with batch statistics (updating the running ones) when training.
    func forward(input: UnsafePointer<Float>, pixels: Int, output: UnsafeMutablePointer<Float>, training: Bool) {
        let state = context.state, c = batchNorm.channels, settings = batchNorm.settings
        statistics.withUnsafeMutableBufferPointer { stats in
            let mean = stats.baseAddress!, invStd = mean + c, scratch = mean + 2 * c
            if training {
                moments.withUnsafeMutableBufferPointer { m in
                    m.update(repeating: 0)
                    // The moments are taken about a shift near the mean. Under SyncBN it is the running mean, which every
                    // replica holds equal; otherwise the batch's first pixel, since a rank's own running statistics are
                    // not in checkpoints (rank 0's are) and must not steer its training.
                    let runningMean = state.values(batchNorm.runningMean)
                    let shift = context.statisticsReducer != nil ? UnsafePointer(runningMean) : input
                    BatchNorm.addMoments(input: input, pixels: pixels, channels: c, shift: shift, moments: m.baseAddress!, scratch: scratch)
                    m[2 * c] = Double(pixels)
                    context.statisticsReducer?.sumAcrossReplicas(m)
                    BatchNorm.statistics(moments: m.baseAddress!, shift: shift, count: Int(m[2 * c]), channels: c, eps: settings.eps,
                                         momentum: settings.momentum, mean: mean, invStd: invStd, runningMean: runningMean,
                                         runningVar: state.values(batchNorm.runningVar))
                }
                state.increment(batchNorm.batchesTracked)
            } else {
                BatchNorm.inferenceStatistics(runningMean: state.values(batchNorm.runningMean), runningVar: state.values(batchNorm.runningVar),
                                              channels: c, eps: settings.eps, mean: mean, invStd: invStd)
            }
            BatchNorm.normalizeActivate(input: input, pixels: pixels, channels: c, mean: mean, invStd: invStd,
                                        gamma: state.values(batchNorm.weight), beta: state.values(batchNorm.bias), activation: activation,
                                        output: output, scratch: scratch)
        }
    }

    /// From dL/doutput[P, C] (for the `input` and `output` of the last training forward): adds dgamma and dbeta and
    /// writes dL/dinput[P, C]. `normGradient` is scratch for P*C floats and may not alias the others.
    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, pixels: Int,
                  normGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>) {
        let state = context.state, c = batchNorm.channels
        statistics.withUnsafeMutableBufferPointer { stats in
            let mean = UnsafePointer(stats.baseAddress!), invStd = mean + c, scratch = stats.baseAddress! + 2 * c
            let gamma = state.values(batchNorm.weight)
            moments.withUnsafeMutableBufferPointer { m in
                m.update(repeating: 0)
                BatchNorm.activationBackwardMoments(input: input, output: output, outputGradient: outputGradient, pixels: pixels, channels: c,
                                                    mean: mean, invStd: invStd, gamma: gamma, beta: state.values(batchNorm.bias),
                                                    activation: activation, normGradient: normGradient, sums: m.baseAddress!, scratch: scratch)
                // Parameter gradients from this replica's sums; the input gradient from the sums over all replicas.
                BatchNorm.addParameterGradients(sums: m.baseAddress!, channels: c, gammaGradient: state.gradient(batchNorm.weight),
                                                betaGradient: state.gradient(batchNorm.bias))
                m[2 * c] = Double(pixels)
                context.statisticsReducer?.sumAcrossReplicas(m)
                BatchNorm.inputGradient(input: input, outputGradient: normGradient, pixels: pixels, channels: c, mean: mean,
                                        invStd: invStd, gamma: gamma, sums: m.baseAddress!, count: Int(m[2 * c]),
                                        inputGradient: inputGradient, accumulate: false, scratch: scratch)
            }
        }
    }
}
