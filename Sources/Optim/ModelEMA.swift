import Foundation
import Support
import Models
import Tensor
import RunFormat

/// Exponential moving average of all float state (parameters and batch-norm buffers), YOLOv5's ModelEMA:
/// decay = 0.9999 * (1 - exp(-updates / 2000)). The EMA copy is what is validated and saved.
public final class ModelEMA {
    public private(set) var updates: Int
    public let baseDecay: Double
    public let ramp: Double
    public private(set) var parameters: [Float]
    public private(set) var buffers: [Float]

    /// Starts from the model's current state.
    public init(state: ModelState, updates: Int = 0, baseDecay: Double = 0.9999, ramp: Double = 2000) {
        self.updates = updates
        self.baseDecay = baseDecay
        self.ramp = ramp
        parameters = Array(state.parameterBuffer)
        buffers = Array(state.bufferBuffer)
    }

    /// The decay the next update will use.
    public var nextDecay: Double { baseDecay * (1 - exp(-Double(updates + 1) / ramp)) }

    /// ema = d * ema + (1 - d) * model, over parameters and buffers.
    public func update(from state: ModelState) {
        let d = Float(nextDecay)
        updates += 1
        blend(&parameters, state.parameterBuffer, d)
        blend(&buffers, state.bufferBuffer, d)
    }

    private func blend(_ average: inout [Float], _ current: UnsafeMutableBufferPointer<Float>, _ d: Float) {
        average.withUnsafeMutableBufferPointer { a in
            KernelVariant.kernels.exponentialMovingAverage(a.baseAddress!, current: current.baseAddress!, count: a.count, decay: d)
        }
    }

    /// Copies the averages into `state` (a model of the same architecture), e.g. to validate or save the EMA.
    public func copy(into state: ModelState) {
        state.parameterBuffer.baseAddress!.update(from: parameters, count: parameters.count)
        state.bufferBuffer.baseAddress!.update(from: buffers, count: buffers.count)
    }

    /// Restores a saved EMA (from a checkpoint).
    public func restore(parameters: [Float], buffers: [Float], updates: Int) throws {
        guard parameters.count == self.parameters.count, buffers.count == self.buffers.count else {
            throw FileProblem(file: "EMA", message: "saved EMA has \(parameters.count) parameters and \(buffers.count) buffer values, the model \(self.parameters.count) and \(self.buffers.count)")
        }
        self.parameters = parameters
        self.buffers = buffers
        self.updates = updates
    }
}
