import Tensor
import TensorFiles

/// Why weights do not fit a model: every missing, unexpected and mis-shaped tensor, in one message.
public struct StateDictionaryError: Error, CustomStringConvertible {
    public let file: String
    public var missing: [String] = []
    public var unexpected: [String] = []
    public var mismatched: [String] = []

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("\(missing.count) missing: " + missing.prefix(8).joined(separator: ", ") + (missing.count > 8 ? ", ..." : "")) }
        if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected: " + unexpected.prefix(8).joined(separator: ", ") + (unexpected.count > 8 ? ", ..." : "")) }
        if !mismatched.isEmpty { parts.append(mismatched.prefix(8).joined(separator: "; ") + (mismatched.count > 8 ? "; ..." : "")) }
        return "\(file): weights do not fit the model: " + parts.joined(separator: "; ")
    }
}

extension ModelState {
    /// The state as safetensors tensors under the reference names, in state_dict order, in PyTorch layouts.
    public func namedTensors() -> [NamedTensor] {
        namedTensors(parameters: parameters.pointer, buffers: buffers.pointer)
    }

    /// Like `namedTensors()` for other arena contents of this architecture (e.g. an EMA copy).
    public func namedTensors(parameters: UnsafePointer<Float>, buffers: UnsafePointer<Float>) -> [NamedTensor] {
        entries.map { entry in
            switch entry.kind {
            case .counter: return NamedTensor(name: entry.name, shape: entry.shape, int64s: [counters[entry.offset]])
            case .buffer: return pytorchTensor(entry, from: buffers + entry.offset)
            case .parameter: return pytorchTensor(entry, from: parameters + entry.offset)
            }
        }
    }

    /// Every parameter's gradient under its parameter's name, in PyTorch layouts (what `p.grad` holds).
    public func namedGradients() -> [NamedTensor] {
        entries.filter { $0.kind.isParameter }.map { pytorchTensor($0, from: gradients.pointer + $0.offset) }
    }

    private func pytorchTensor(_ entry: StateEntry, from source: UnsafePointer<Float>) -> NamedTensor {
        var values = [Float](repeating: 0, count: entry.count)
        values.withUnsafeMutableBufferPointer { destination in
            if case let .convolution(geometry) = entry.layout {
                Conv2D.weightToPyTorch(source, to: destination.baseAddress!, geometry: geometry)
            } else {
                destination.baseAddress!.update(from: source, count: entry.count)
            }
        }
        return NamedTensor(name: entry.name, shape: entry.shape, floats: values)
    }

    /// Writes the state to a safetensors file (atomically), loadable by PyTorch's `load_state_dict(strict=True)`.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        try SafeTensorsWriter.write(tensors: namedTensors(), metadata: metadata.merging(["format": "pt"]) { a, _ in a }, to: path)
    }

    /// Loads every entry from a safetensors file. Strict: any missing, unexpected or wrongly shaped tensor is
    /// one error listing them all, and nothing is changed. Float tensors may be F32, F64, F16 or BF16.
    public func load(from path: String) throws {
        let arenas = try readArenas(from: path)
        parameters.pointer.update(from: arenas.parameters, count: parameterCount)
        buffers.pointer.update(from: arenas.buffers, count: bufferCount)
        counters = arenas.counters
    }

    /// Reads a safetensors file into arena-shaped arrays (engine layouts) without changing this state, with the
    /// same strict checks as `load`.
    public func readArenas(from path: String) throws -> (parameters: [Float], buffers: [Float], counters: [Int64]) {
        let file = try SafeTensorsFile(contentsOf: path)
        var problem = StateDictionaryError(file: path)
        let names = Set(entries.map(\.name))
        problem.unexpected = file.names.filter { !names.contains($0) }
        for entry in entries {
            guard file.contains(entry.name) else { problem.missing.append(entry.name); continue }
            let info = try file.info(entry.name)
            let wanted = entry.kind == .counter ? "I64" : "a float type"
            let dtypeOK = entry.kind == .counter ? info.dtype == .i64 : info.dtype.isFloatingPoint
            if info.shape != entry.shape || !dtypeOK {
                problem.mismatched.append("'\(entry.name)' is \(info.dtype.rawValue) \(info.shape), the model needs \(wanted) \(entry.shape)")
            }
        }
        guard problem.missing.isEmpty, problem.unexpected.isEmpty, problem.mismatched.isEmpty else { throw problem }
        var parameterValues = [Float](repeating: 0, count: parameterCount), bufferValues = [Float](repeating: 0, count: bufferCount)
        var counterValues = counters
        for entry in entries {
            switch entry.kind {
            case .counter:
                counterValues[entry.offset] = try file.int64s(entry.name)[0]
            case .buffer:
                try bufferValues.withUnsafeMutableBufferPointer { try copy(entry, from: file, into: $0.baseAddress!) }
            case .parameter:
                try parameterValues.withUnsafeMutableBufferPointer { try copy(entry, from: file, into: $0.baseAddress!) }
            }
        }
        return (parameterValues, bufferValues, counterValues)
    }

    /// Loads the float tensors of a safetensors file whose names and shapes match this model, and leaves the others
    /// at their current values: starting a training from weights made for another number of classes (the detection
    /// head or classifier stays at its initialisation), as YOLOv5 does with `--weights`. Counters are not loaded.
    /// Throws naming the file when it cannot be read, or when not one tensor fits.
    public func loadMatching(from path: String) throws -> WeightTransfer {
        let file = try SafeTensorsFile(contentsOf: path)
        var transfer = WeightTransfer()
        for entry in entries where entry.kind != .counter {
            guard file.contains(entry.name), case let info = try file.info(entry.name), info.shape == entry.shape, info.dtype.isFloatingPoint else {
                transfer.leftAsTheyWere.append(entry.name)
                continue
            }
            try copy(entry, from: file, into: entry.kind == .buffer ? buffers.pointer : parameters.pointer)
            transfer.transferred.append(entry.name)
        }
        guard !transfer.transferred.isEmpty else {
            var problem = StateDictionaryError(file: path)
            problem.missing = transfer.leftAsTheyWere
            throw problem
        }
        return transfer
    }

    /// Writes `entry`'s tensor from `file` (PyTorch layout, any float type) into `arena` at the entry's offset, in
    /// the engine's layout.
    private func copy(_ entry: StateEntry, from file: SafeTensorsFile, into arena: UnsafeMutablePointer<Float>) throws {
        let values = try file.floats(entry.name)
        values.withUnsafeBufferPointer { source in
            if case let .convolution(geometry) = entry.layout {
                Conv2D.weightFromPyTorch(source.baseAddress!, to: arena + entry.offset, geometry: geometry)
            } else {
                (arena + entry.offset).update(from: source.baseAddress!, count: entry.count)
            }
        }
    }
}

/// What `loadMatching` did: the tensors it loaded and those it left as they were (absent from the file, or of
/// another shape there).
public struct WeightTransfer: Sendable, Equatable {
    public var transferred: [String] = []
    public var leftAsTheyWere: [String] = []
}
