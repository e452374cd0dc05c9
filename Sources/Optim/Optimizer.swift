import Models

/// Updates parameters from their gradients; its state is part of a checkpoint.
public protocol Optimizer: AnyObject {
    /// One update with a learning rate per parameter group and the momentum (SGD) or beta1 (Adam) of this step.
    func step(learningRates: [ParameterGroup: Double], momentum: Double)
    /// Whether warmup ramps this optimizer's momentum. YOLOv5 ramps SGD's momentum from warmup_momentum; its warmup
    /// only touches parameter groups with a 'momentum' key, so Adam keeps beta1 = hyp momentum throughout.
    var followsMomentumWarmup: Bool { get }
    /// Named state buffers, each as long as the parameter arena, and scalar counters.
    var stateBuffers: [String: [Float]] { get }
    var stateCounters: [String: Int] { get }
    func restore(buffers: [String: [Float]], counters: [String: Int]) throws
}
