import Support
import Tensor

/// How the optimizer treats a parameter (YOLOv5's three parameter groups).
public enum ParameterGroup: String, Sendable, CaseIterable {
    /// Conv and linear weights: weight decay applies.
    case weight
    /// Batch-norm scales: no weight decay.
    case batchNormWeight
    /// All biases: no weight decay, warmup bias learning rate.
    case bias
}

/// What a state_dict entry is.
public enum StateKind: Equatable, Sendable {
    /// A trainable float tensor, living in the parameter and gradient arenas.
    case parameter(ParameterGroup)
    /// A float buffer (BN running statistics, Detect anchors), living in the buffer arena.
    case buffer
    /// An I64 scalar buffer (BN num_batches_tracked).
    case counter
}

/// The in-memory layout of a tensor, when it differs from PyTorch's.
public enum StateLayout: Equatable, Sendable {
    case pytorch
    /// A conv weight stored [O][kh][kw][I] here and OIHW in PyTorch.
    case convolution(ConvGeometry)
}

/// One state_dict entry: its reference name, PyTorch shape and where it lives.
public struct StateEntry: Sendable {
    public let name: String
    public let shape: [Int]
    public let kind: StateKind
    public let layout: StateLayout
    /// Offset in the arena of its kind (parameters/gradients, buffers, or the counter index).
    public fileprivate(set) var offset: Int
    /// Elements (the product of the shape), computed once with overflow checks when registered.
    public fileprivate(set) var count = 0
}

/// A handle to a registered entry.
public struct StateReference: Hashable, Sendable {
    public let index: Int
}

/// All state of a model: every parameter in one contiguous arena, every gradient in a second arena with the
/// same offsets, float buffers in a third, I64 counters beside them. Entries keep the reference
/// implementation's state_dict order; the arenas are laid out in reverse registration order, so the
/// gradients backward finishes first come first and gradient buckets are contiguous slices.
public final class ModelState {
    public private(set) var entries: [StateEntry] = []
    public let parameters = FloatStorage()
    public let gradients = FloatStorage()
    public let buffers = FloatStorage()
    public var counters: [Int64] = []
    public private(set) var parameterCount = 0
    public private(set) var bufferCount = 0
    public private(set) var isFinalized = false

    /// The most elements (parameters and buffers together) a model may register: 2^31, 8 GiB of float32 weights,
    /// which training multiplies by four (gradients, optimizer moments). A model file asking for more is refused
    /// before anything that size is allocated. Set once at start only (the fuzzer lowers it to stay in its memory).
    nonisolated(unsafe) public static var maximumElements = 1 << 31
    /// The first entry whose shape was invalid or that took the registered elements past `maximumElements`.
    public private(set) var firstOversizeEntry: String?
    private var registeredElements = 0

    public init() {}

    /// Registers a trainable tensor (before `finalize`).
    public func parameter(_ name: String, shape: [Int], group: ParameterGroup, layout: StateLayout = .pytorch) -> StateReference {
        register(StateEntry(name: name, shape: shape, kind: .parameter(group), layout: layout, offset: 0))
    }

    /// Registers a float buffer (before `finalize`).
    public func buffer(_ name: String, shape: [Int]) -> StateReference {
        register(StateEntry(name: name, shape: shape, kind: .buffer, layout: .pytorch, offset: 0))
    }

    /// Registers an I64 scalar counter (before `finalize`).
    public func counter(_ name: String) -> StateReference {
        register(StateEntry(name: name, shape: [], kind: .counter, layout: .pytorch, offset: 0))
    }

    private func register(_ entry: StateEntry) -> StateReference {
        precondition(!isFinalized, "ModelState: \(entry.name) registered after finalize")
        var entry = entry
        var count = 1, overflow = entry.shape.contains { $0 < 0 }
        for side in entry.shape where !overflow {
            (count, overflow) = count.multipliedReportingOverflow(by: side)
        }
        if !overflow { (registeredElements, overflow) = registeredElements.addingReportingOverflow(count) }
        if overflow || registeredElements > Self.maximumElements {
            firstOversizeEntry = firstOversizeEntry ?? entry.name
            count = 0
        }
        entry.count = count
        entries.append(entry)
        return StateReference(index: entries.count - 1)
    }

    /// Assigns arena offsets (parameters in reverse registration order) and allocates the arenas, zeroed; refuses
    /// (naming `file` and the entry) a model that registered more than `maximumElements`.
    public func finalize(file: String) throws {
        precondition(!isFinalized)
        if let entry = firstOversizeEntry { throw Self.oversize(entry: entry, file: file) }
        var parameterOffset = 0
        for i in entries.indices.reversed() where entries[i].kind.isParameter {
            entries[i].offset = parameterOffset
            parameterOffset += entries[i].count
        }
        var bufferOffset = 0, counterIndex = 0
        for i in entries.indices {
            switch entries[i].kind {
            case .buffer: entries[i].offset = bufferOffset; bufferOffset += entries[i].count
            case .counter: entries[i].offset = counterIndex; counterIndex += 1
            case .parameter: break
            }
        }
        parameterCount = parameterOffset
        bufferCount = bufferOffset
        parameters.reserve(parameterCount)
        gradients.reserve(parameterCount)
        buffers.reserve(bufferCount)
        counters = [Int64](repeating: 0, count: counterIndex)
        isFinalized = true
    }

    /// The values of a parameter or buffer.
    @inline(__always)
    public func values(_ reference: StateReference) -> UnsafeMutablePointer<Float> {
        let entry = entries[reference.index]
        return entry.kind == .buffer ? buffers.pointer + entry.offset : parameters.pointer + entry.offset
    }

    /// The gradient of a parameter.
    @inline(__always)
    public func gradient(_ reference: StateReference) -> UnsafeMutablePointer<Float> {
        gradients.pointer + entries[reference.index].offset
    }

    /// Adds one to a counter (num_batches_tracked).
    @inline(__always)
    public func increment(_ reference: StateReference) {
        counters[entries[reference.index].offset] += 1
    }

    /// The parameter arena as one buffer.
    public var parameterBuffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: parameters.pointer, count: parameterCount) }
    /// The gradient arena as one buffer.
    public var gradientBuffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: gradients.pointer, count: parameterCount) }
    /// The float buffer arena as one buffer.
    public var bufferBuffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: buffers.pointer, count: bufferCount) }

    /// Sets every gradient to zero.
    public func zeroGradients() { gradients.pointer.update(repeating: 0, count: parameterCount) }

    /// Number of parameter tensors.
    public var parameterTensorCount: Int { entries.filter { $0.kind.isParameter }.count }
}

extension StateKind {
    public var isParameter: Bool { if case .parameter = self { return true } else { return false } }
}

extension ModelState {
    /// The error for a model whose tensors up to `entry` exceed `maximumElements`.
    static func oversize(entry: String, file: String) -> FileProblem {
        FileProblem(file: file, message: "\(entry) takes the model past \(maximumElements) parameters and buffers "
                    + "(\((maximumElements * 4) >> 30) GiB of float32), the most a model may have; its widths, kernels or repeats are too large")
    }
}
