import Foundation
import Models
import RunFormat
import TensorFiles
import Optim

/// What a checkpoint holds once loaded.
public struct LoadedCheckpoint {
    public let name: String
    public let progress: TrainingProgress
    public let model: (parameters: [Float], buffers: [Float], counters: [Int64])
    public let ema: (parameters: [Float], buffers: [Float])?
    public let optimizerBuffers: [String: [Float]]
    public let optimizerCounters: [String: Int]
    /// The gradient accumulator's pending sum (empty when the checkpoint fell on an optimizer step).
    public let accumulatedGradients: [Float]
}

extension CheckpointStore {
    /// Writes the model, its EMA, the optimizer state and the accumulator's pending gradients as one checkpoint (see
    /// `write(name:progress:isBest:writeFiles:)`).
    public func write(name: String, state: ModelState, ema: ModelEMA?, optimizer: Optimizer, accumulator: GradientAccumulator, progress: TrainingProgress,
                      isBest: Bool) throws {
        try write(name: name, progress: progress, parameterCount: state.parameterCount, isBest: isBest) { temporary in
            try state.save(to: "\(temporary)/model.safetensors")
            if let ema {
                let tensors = ema.parameters.withUnsafeBufferPointer { p in
                    ema.buffers.withUnsafeBufferPointer { b in state.namedTensors(parameters: p.baseAddress!, buffers: b.baseAddress!) }
                }
                try SafeTensorsWriter.write(tensors: tensors, metadata: ["format": "pt", "ema_updates": "\(ema.updates)"], to: "\(temporary)/ema.safetensors")
            }
            var buffers = optimizer.stateBuffers
            if !accumulator.isEmpty { buffers[GradientAccumulator.checkpointName] = accumulator.pending }
            let optimizerTensors = buffers.sorted { $0.key < $1.key }.map { NamedTensor(name: $0.key, shape: [$0.value.count], floats: $0.value) }
            let counters = Dictionary(uniqueKeysWithValues: optimizer.stateCounters.map { ("counter.\($0.key)", String($0.value)) })
            try SafeTensorsWriter.write(tensors: optimizerTensors, metadata: counters, to: "\(temporary)/optimizer.safetensors")
        }
    }

    /// Loads a validated checkpoint's tensors for `state`'s architecture.
    public func load(_ name: String, progress: TrainingProgress, state: ModelState) throws -> LoadedCheckpoint {
        let path = "\(directory)/\(name)"
        let model = try state.readArenas(from: "\(path)/model.safetensors")
        var ema: (parameters: [Float], buffers: [Float])?
        if FileManager.default.fileExists(atPath: "\(path)/ema.safetensors") {
            let arenas = try state.readArenas(from: "\(path)/ema.safetensors")
            ema = (arenas.parameters, arenas.buffers)
        }
        let optimizerFile = try SafeTensorsFile(contentsOf: "\(path)/optimizer.safetensors")
        var buffers: [String: [Float]] = [:]
        for tensorName in optimizerFile.names { buffers[tensorName] = try optimizerFile.floats(tensorName) }
        var counters: [String: Int] = [:]
        for (key, value) in optimizerFile.metadata where key.hasPrefix("counter.") { counters[String(key.dropFirst(8))] = Int(value) }
        let accumulated = buffers.removeValue(forKey: GradientAccumulator.checkpointName) ?? []
        return LoadedCheckpoint(name: name, progress: progress, model: model, ema: ema, optimizerBuffers: buffers, optimizerCounters: counters,
                                accumulatedGradients: accumulated)
    }
}
