import POSIXFiles
/// A safetensors file opened for reading. The file is memory-mapped and fully validated on opening
/// (header, dtypes, sizes, offsets, coverage of the data buffer); tensor data is read from the mapping
/// only when asked for.
public struct SafeTensorsFile: Sendable {
    /// The path the file was opened with, as used in error messages.
    public let path: String
    /// The tensors in the order of their data in the file.
    public let tensors: [SafeTensorInfo]
    /// The tensor names in the order the JSON header lists them.
    public let namesInHeaderOrder: [String]
    /// The header's `__metadata__` (empty when absent).
    public let metadata: [String: String]

    private let file: MappedFile
    private let dataStart: Int
    private let indexByName: [String: Int]

    /// Opens and validates the safetensors file at `path`.
    /// - Throws: `FileAccessError` when the file cannot be opened or mapped, `SafeTensorsError` when it
    ///   is not a valid safetensors file.
    public init(contentsOf path: String) throws {
        let file = try MappedFile(path: path)
        let bytes = file.bytes
        guard bytes.count >= 8 else { throw SafeTensorsError.fileTooShort(path: path, fileSize: bytes.count) }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= safeTensorsMaximumHeaderLength else {
            throw SafeTensorsError.headerTooLarge(path: path, headerLength: headerLength)
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw SafeTensorsError.headerBeyondFile(path: path, headerLength: headerLength, fileSize: bytes.count)
        }
        let dataStart = 8 + Int(headerLength)
        let header = try SafeTensorsHeader(
            json: UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]), bufferSize: bytes.count - dataStart, path: path)
        self.path = path
        self.file = file
        self.dataStart = dataStart
        tensors = header.tensorsInDataOrder
        namesInHeaderOrder = header.namesInHeaderOrder
        metadata = header.metadata
        indexByName = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    /// The tensor names in the order of their data in the file.
    public var names: [String] {
        tensors.map(\.name)
    }

    public func contains(_ name: String) -> Bool {
        indexByName[name] != nil
    }

    /// The dtype, shape and data offsets of tensor `name`.
    public func info(_ name: String) throws -> SafeTensorInfo {
        guard let index = indexByName[name] else { throw SafeTensorsError.tensorNotFound(path: path, tensor: name) }
        return tensors[index]
    }

    /// Calls `body` with the little-endian bytes of tensor `name`, read in place from the mapped file.
    /// The pointer must not escape `body`.
    public func withUnsafeBytes<Result>(of name: String, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let offsets = try info(name).dataOffsets
        return try body(UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + offsets.lowerBound)..<(dataStart + offsets.upperBound)]))
    }

    /// A copy of the little-endian bytes of tensor `name`, whatever its dtype.
    public func rawBytes(_ name: String) throws -> [UInt8] {
        try withUnsafeBytes(of: name) { Array($0) }
    }

    /// The values of tensor `name` (dtype F32, F64, F16 or BF16) as Floats, in C order.
    public func floats(_ name: String) throws -> [Float] {
        let dtype = try info(name).dtype
        guard dtype.isFloatingPoint else {
            throw SafeTensorsError.wrongDType(path: path, tensor: name, dtype: dtype, expected: "F32, F64, F16 or BF16")
        }
        return try withUnsafeBytes(of: name) { decodeFloats($0, dtype: dtype) }
    }

    /// The values of tensor `name` (dtype I64), in C order.
    public func int64s(_ name: String) throws -> [Int64] {
        let dtype = try info(name).dtype
        guard dtype == .i64 else { throw SafeTensorsError.wrongDType(path: path, tensor: name, dtype: dtype, expected: "I64") }
        return try withUnsafeBytes(of: name, decodeInt64s)
    }
}
