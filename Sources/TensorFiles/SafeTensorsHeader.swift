/// The official library refuses headers longer than this; so do we, to fail fast on garbage lengths.
let safeTensorsMaximumHeaderLength: UInt64 = 100_000_000

/// The parsed and validated JSON header of a safetensors file.
struct SafeTensorsHeader {
    /// The tensors sorted by their position in the data buffer.
    let tensorsInDataOrder: [SafeTensorInfo]
    /// The tensor names in the order the JSON header lists them.
    let namesInHeaderOrder: [String]
    let metadata: [String: String]

    /// Parses `json` and checks every tensor against a data buffer of `bufferSize` bytes, which the
    /// tensors must cover exactly, without overlaps. `path` is used in error messages.
    init(json: UnsafeRawBufferPointer, bufferSize: Int, path: String) throws {
        guard String(validating: json, as: UTF8.self) != nil else {
            throw SafeTensorsError.invalidJSON(path: path, problem: "the header is not valid UTF-8")
        }
        let root: JSONValue
        do {
            root = try parseJSON(json)
        } catch {
            throw SafeTensorsError.invalidJSON(path: path, problem: "\(error.problem) at header byte \(error.offset)")
        }
        guard case .object(let members) = root else {
            throw SafeTensorsError.invalidHeader(path: path, tensor: nil, problem: "the header is not a JSON object")
        }
        var tensors: [SafeTensorInfo] = []
        var metadata: [String: String]?
        var seenNames: Set<String> = []
        for (name, value) in members {
            guard seenNames.insert(name).inserted else {
                throw SafeTensorsError.duplicateTensor(path: path, tensor: name)
            }
            if name == "__metadata__" {
                metadata = try Self.parseMetadata(value, path: path)
            } else {
                tensors.append(try Self.parseTensor(name: name, value, bufferSize: bufferSize, path: path))
            }
        }
        namesInHeaderOrder = tensors.map(\.name)
        tensorsInDataOrder = tensors.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound)
        }
        self.metadata = metadata ?? [:]
        try Self.checkCoverage(of: tensorsInDataOrder, bufferSize: bufferSize, path: path)
    }

    private static func parseMetadata(_ value: JSONValue, path: String) throws -> [String: String] {
        let problem = "__metadata__ must be an object of string values"
        guard case .object(let members) = value else {
            throw SafeTensorsError.invalidHeader(path: path, tensor: nil, problem: problem)
        }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let text) = value, metadata.updateValue(text, forKey: key) == nil else {
                throw SafeTensorsError.invalidHeader(path: path, tensor: nil, problem: "\(problem) with unique keys")
            }
        }
        return metadata
    }

    private static func parseTensor(name: String, _ value: JSONValue, bufferSize: Int, path: String) throws -> SafeTensorInfo {
        func invalid(_ problem: String) -> SafeTensorsError {
            .invalidHeader(path: path, tensor: name, problem: problem)
        }
        guard case .object(let fields) = value else { throw invalid("entry is not a JSON object") }
        func field(_ key: String) throws -> JSONValue {
            guard let value = fields.first(where: { $0.name == key })?.value else { throw invalid("missing '\(key)'") }
            return value
        }
        guard case .string(let dtypeName) = try field("dtype") else { throw invalid("'dtype' is not a string") }
        guard let dtype = TensorDType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(path: path, tensor: name, dtype: dtypeName)
        }
        guard case .array(let shapeValues) = try field("shape"), let shape = integers(shapeValues) else {
            throw invalid("'shape' is not a list of non-negative integers")
        }
        guard case .array(let offsetValues) = try field("data_offsets"), let offsets = integers(offsetValues),
              offsets.count == 2 else {
            throw invalid("'data_offsets' is not a list of two non-negative integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw invalid("data_offsets [\(begin), \(end)] end before they begin") }
        guard let needed = byteCount(dtype: dtype, shape: shape) else {
            throw invalid("shape \(describe(shape: shape)) is too large")
        }
        guard end - begin == needed else {
            throw SafeTensorsError.sizeMismatch(path: path, tensor: name, begin: begin, end: end, dtype: dtype, shape: shape, needed: needed)
        }
        guard end <= bufferSize else {
            throw SafeTensorsError.offsetsOutsideBuffer(path: path, tensor: name, begin: begin, end: end, bufferSize: bufferSize)
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    private static func integers(_ values: [JSONValue]) -> [Int]? {
        var result: [Int] = []
        for value in values {
            guard let integer = value.nonNegativeInteger else { return nil }
            result.append(integer)
        }
        return result
    }

    /// The tensors, sorted by offsets, must tile the buffer: each begins where the previous one ends.
    private static func checkCoverage(of sortedTensors: [SafeTensorInfo], bufferSize: Int, path: String) throws {
        var covered = 0
        var previous: SafeTensorInfo?
        for tensor in sortedTensors {
            if let previous, tensor.dataOffsets.lowerBound < covered {
                throw SafeTensorsError.overlappingTensors(path: path, tensor: tensor.name, otherTensor: previous.name)
            }
            guard tensor.dataOffsets.lowerBound == covered else {
                throw SafeTensorsError.uncoveredBytes(path: path, begin: covered, end: tensor.dataOffsets.lowerBound)
            }
            covered = tensor.dataOffsets.upperBound
            previous = tensor
        }
        guard covered == bufferSize else {
            throw SafeTensorsError.uncoveredBytes(path: path, begin: covered, end: bufferSize)
        }
    }
}
