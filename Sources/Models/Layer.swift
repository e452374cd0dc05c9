import Tensor

/// A node of a model graph with paired forward and backward passes.
public protocol Layer: AnyObject {
    /// Computes the output, returning the layer's own output tensor (valid until its next forward).
    func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor
    /// From dL/doutput (for the inputs of the last training forward), writes dL/dinput_i into
    /// inputGradients[i] (overwriting, or adding where accumulate[i]; nil skips it) and adds the parameter gradients.
    func backward(_ outputGradient: Tensor, inputGradients: [Tensor?], accumulate: [Bool])
    /// Forward FLOPs of the last forward pass (2 per multiply-add, conv and linear layers only).
    var forwardFLOPs: Double { get }
}

/// A layer with exactly one input.
public protocol SingleInputLayer: Layer {
    func forward(_ input: Tensor, training: Bool) throws -> Tensor
    func backward(_ outputGradient: Tensor, inputGradient: Tensor?, accumulate: Bool)
}

extension SingleInputLayer {
    public func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor { try forward(inputs[0], training: training) }
    public func backward(_ outputGradient: Tensor, inputGradients: [Tensor?], accumulate: [Bool]) {
        backward(outputGradient, inputGradient: inputGradients[0], accumulate: accumulate[0])
    }
}

/// Everything one model replica shares: its state arenas and the scratch workspace.
public final class ModelContext {
    public let state = ModelState()
    public let workspace: Workspace
    /// Set for synchronised batch norm: batch statistics are summed over all replicas.
    public var statisticsReducer: StatisticsReducer?

    public init(workspace: Workspace = Workspace()) {
        self.workspace = workspace
    }
}

/// Sums per-channel batch-norm statistics over the replicas of a data-parallel job (SyncBatchNorm). A failure
/// is kept in `failure` (backward cannot throw); the training step checks it after backward.
public protocol StatisticsReducer: AnyObject {
    func sumAcrossReplicas(_ values: UnsafeMutableBufferPointer<Double>)
    var failure: Error? { get }
}
