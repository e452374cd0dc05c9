/// An array read from a NumPy .npy file (format 1.0, 2.0 or 3.0, little-endian, C order).
public struct NPYArray: Sendable {
    /// The path the array was read from, as used in error messages.
    public let path: String
    public let dtype: TensorDType
    public let shape: [Int]
    /// The little-endian element bytes in C order.
    public let bytes: [UInt8]

    /// Reads and validates the .npy file at `path`.
    /// - Throws: `FileAccessError` when the file cannot be opened or mapped, `NPYError` when it is not a
    ///   supported .npy file.
    public init(contentsOf path: String) throws {
        let file = try MappedFile(path: path)
        let header = try NPYHeader(parsing: file.bytes, path: path)
        let dataSize = file.bytes.count - header.dataStart
        guard let needed = byteCount(dtype: header.dtype, shape: header.shape) else {
            throw NPYError.invalidHeader(path: path, problem: "shape \(describe(shape: header.shape)) is too large")
        }
        guard needed == dataSize else {
            throw NPYError.dataSizeMismatch(path: path, dtype: header.dtype, shape: header.shape, dataSize: dataSize, needed: needed)
        }
        self.path = path
        dtype = header.dtype
        shape = header.shape
        bytes = Array(file.bytes[header.dataStart...])
    }

    /// The values (dtype F32, F64 or F16) as Floats, in C order.
    public func floats() throws -> [Float] {
        guard dtype.isFloatingPoint else { throw NPYError.wrongDType(path: path, dtype: dtype, expected: "<f4, <f8 or <f2") }
        return bytes.withUnsafeBytes { decodeFloats($0, dtype: dtype) }
    }

    /// The values (dtype <i8), in C order.
    public func int64s() throws -> [Int64] {
        guard dtype == .i64 else { throw NPYError.wrongDType(path: path, dtype: dtype, expected: "<i8") }
        return bytes.withUnsafeBytes(decodeInt64s)
    }
}
