import Protobuf

/// An ONNX node attribute (the kinds SPDTrain's graphs use).
public enum ONNXAttributeValue: Sendable, Equatable {
    case int(Int)
    case ints([Int])
    case float(Float)
    case string(String)
}

/// A float32 or int64 constant of the graph (weights, shapes, slice bounds), stored as raw little-endian data.
public struct ONNXInitializer: Sendable {
    public enum Values: Sendable {
        case floats([Float])
        case int64s([Int64])
    }

    public let name: String
    public let dims: [Int]
    public let values: Values
}

/// One operator call: inputs and outputs by value name.
public struct ONNXNode: Sendable {
    public let opType: String
    public let name: String
    public let inputs: [String]
    public let outputs: [String]
    public let attributes: [(name: String, value: ONNXAttributeValue)]
}

/// A graph input or output: a float32 tensor with fixed sizes or named (symbolic) ones.
public struct ONNXValueInfo: Sendable, CustomStringConvertible {
    public enum Dimension: Sendable, Equatable {
        case fixed(Int)
        case symbolic(String)
    }

    public let name: String
    public let dimensions: [Dimension]

    /// "name [batch, 3, 640, 640]".
    public var description: String {
        let sizes = dimensions.map { dimension -> String in
            switch dimension {
            case let .fixed(size): return String(size)
            case let .symbolic(name): return name
            }
        }
        return "\(name) [\(sizes.joined(separator: ", "))]"
    }
}

/// An ONNX graph under construction: nodes in topological order (each added after its inputs), initializers, one
/// input and the outputs. `encoded` writes the ModelProto.
public final class ONNXGraph {
    public let name: String
    public private(set) var nodes: [ONNXNode] = []
    public private(set) var initializers: [ONNXInitializer] = []
    public private(set) var inputs: [ONNXValueInfo] = []
    public private(set) var outputs: [ONNXValueInfo] = []
    private var usedNames: Set<String> = []
    private var int64Constants: [[Int64]: String] = [:]
    private var scalarConstants: [Float: String] = [:]

    public init(name: String) { self.name = name }

    /// A value name not used before, from `base`.
    private func uniqueName(_ base: String) -> String {
        var candidate = base, suffix = 1
        while usedNames.contains(candidate) {
            suffix += 1
            candidate = "\(base)_\(suffix)"
        }
        usedNames.insert(candidate)
        return candidate
    }

    public func addInput(_ name: String, dimensions: [ONNXValueInfo.Dimension]) -> String {
        let unique = uniqueName(name)
        inputs.append(ONNXValueInfo(name: unique, dimensions: dimensions))
        return unique
    }

    /// Marks `value` as a graph output named `name` (an Identity node renames it when the names differ).
    public func addOutput(_ value: String, name: String, dimensions: [ONNXValueInfo.Dimension]) {
        var output = value
        if value != name {
            precondition(!usedNames.contains(name), "output name \(name) is taken")
            usedNames.insert(name)
            nodes.append(ONNXNode(opType: "Identity", name: name, inputs: [value], outputs: [name], attributes: []))
            output = name
        }
        outputs.append(ONNXValueInfo(name: output, dimensions: dimensions))
    }

    /// A float initializer named `name` (made unique); returns its value name.
    public func floats(_ name: String, dims: [Int], _ values: [Float]) -> String {
        precondition(values.count == dims.reduce(1, *), "\(name): \(values.count) values for dims \(dims)")
        let unique = uniqueName(name)
        initializers.append(ONNXInitializer(name: unique, dims: dims, values: .floats(values)))
        return unique
    }

    /// A scalar float constant, shared by every use of the same value.
    public func scalar(_ value: Float) -> String {
        if let name = scalarConstants[value] { return name }
        let name = floats("const_\(value)", dims: [], [value])
        scalarConstants[value] = name
        return name
    }

    /// A 1-D int64 constant (shapes, axes, slice bounds), shared by every use of the same values.
    public func int64s(_ values: [Int64]) -> String {
        if let name = int64Constants[values] { return name }
        let name = uniqueName("const_i64_" + values.map(String.init).joined(separator: "_"))
        initializers.append(ONNXInitializer(name: name, dims: [values.count], values: .int64s(values)))
        int64Constants[values] = name
        return name
    }

    /// Adds a node with one output named from `name`; returns the output's value name.
    @discardableResult
    public func node(_ opType: String, _ inputs: [String], name: String, _ attributes: [(name: String, value: ONNXAttributeValue)] = []) -> String {
        let output = uniqueName(name)
        nodes.append(ONNXNode(opType: opType, name: output, inputs: inputs, outputs: [output], attributes: attributes))
        return output
    }

    /// The ModelProto (IR version 7, the default domain at `opset`) with this graph.
    public func encoded(opset: Int, producerVersion: String, metadata: [(key: String, value: String)] = []) -> [UInt8] {
        var graph = ProtobufWriter()
        for node in nodes { graph.message(field: 1, Self.encode(node)) }
        graph.string(field: 2, name)
        for initializer in initializers { graph.message(field: 5, Self.encode(initializer)) }
        for input in inputs { graph.message(field: 11, Self.encode(input)) }
        for output in outputs { graph.message(field: 12, Self.encode(output)) }

        var model = ProtobufWriter()
        model.int(field: 1, 7)  // ir_version
        model.string(field: 2, "SPDTrain")
        model.string(field: 3, producerVersion)
        model.message(field: 7, graph)
        var opsetImport = ProtobufWriter()
        opsetImport.string(field: 1, "")
        opsetImport.int(field: 2, opset)
        model.message(field: 8, opsetImport)
        for entry in metadata {
            var property = ProtobufWriter()
            property.string(field: 1, entry.key)
            property.string(field: 2, entry.value)
            model.message(field: 14, property)
        }
        return model.bytes
    }

    private static func encode(_ node: ONNXNode) -> ProtobufWriter {
        var message = ProtobufWriter()
        for input in node.inputs { message.string(field: 1, input) }
        for output in node.outputs { message.string(field: 2, output) }
        message.string(field: 3, node.name)
        message.string(field: 4, node.opType)
        for (name, value) in node.attributes {
            var attribute = ProtobufWriter()
            attribute.string(field: 1, name)
            switch value {
            case let .float(v):
                attribute.float(field: 2, v)
                attribute.int(field: 20, 1)
            case let .int(v):
                attribute.int(field: 3, v)
                attribute.int(field: 20, 2)
            case let .string(v):
                attribute.bytes(field: 4, Array(v.utf8))
                attribute.int(field: 20, 3)
            case let .ints(values):
                for v in values { attribute.int(field: 8, v) }
                attribute.int(field: 20, 7)
            }
            message.message(field: 5, attribute)
        }
        return message
    }

    private static func encode(_ initializer: ONNXInitializer) -> ProtobufWriter {
        var tensor = ProtobufWriter()
        for dim in initializer.dims { tensor.int(field: 1, dim) }
        let raw: [UInt8]
        switch initializer.values {
        case let .floats(values):
            tensor.int(field: 2, 1)  // FLOAT
            raw = littleEndianBytes(values.map(\.bitPattern))
        case let .int64s(values):
            tensor.int(field: 2, 7)  // INT64
            raw = littleEndianBytes(values)
        }
        tensor.string(field: 8, initializer.name)
        tensor.bytes(field: 9, raw)
        return tensor
    }

    private static func encode(_ value: ONNXValueInfo) -> ProtobufWriter {
        var shape = ProtobufWriter()
        for dimension in value.dimensions {
            var dim = ProtobufWriter()
            switch dimension {
            case let .fixed(size): dim.int(field: 1, size)
            case let .symbolic(name): dim.string(field: 2, name)
            }
            shape.message(field: 1, dim)
        }
        var tensorType = ProtobufWriter()
        tensorType.int(field: 1, 1)  // FLOAT
        tensorType.message(field: 2, shape)
        var type = ProtobufWriter()
        type.message(field: 1, tensorType)
        var info = ProtobufWriter()
        info.string(field: 1, value.name)
        info.message(field: 2, type)
        return info
    }
}

/// raw_data is little-endian whatever the machine.
private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.map(\.littleEndian).withUnsafeBytes { Array($0) }
}
