import POSIXFiles
/// The contents of a tensor to be written: raw little-endian bytes in any dtype, Floats to be stored as
/// F32, F64, F16 or BF16, or Int64s to be stored as I64.
public enum TensorValues: Sendable {
    case bytes([UInt8])
    case floats([Float])
    case int64s([Int64])

    /// Why these values cannot be written as a tensor of `dtype` and `shape`, or nil when they can.
    func mismatch(dtype: TensorDType, shape: [Int]) -> String? {
        guard let needed = byteCount(dtype: dtype, shape: shape) else {
            return "shape \(describe(shape: shape)) has a negative dimension or is too large"
        }
        let given: Int
        switch self {
        case .bytes(let bytes):
            given = bytes.count
        case .floats(let floats):
            guard dtype.isFloatingPoint else { return "Float values cannot be stored as dtype \(dtype.rawValue)" }
            given = floats.count * dtype.byteSize
        case .int64s(let int64s):
            guard dtype == .i64 else { return "Int64 values cannot be stored as dtype \(dtype.rawValue)" }
            given = int64s.count * dtype.byteSize
        }
        guard given == needed else {
            return "\(given) bytes of data given but dtype \(dtype.rawValue) shape \(describe(shape: shape)) needs \(needed) bytes"
        }
        return nil
    }

    /// Appends the values to `sink` as little-endian elements of `dtype` (already checked by `mismatch`).
    func write(as dtype: TensorDType, to sink: BufferedFileSink) throws {
        switch self {
        case .bytes(let bytes):
            try bytes.withUnsafeBytes { try sink.write($0) }
        case .floats(let floats):
            try sink.writeEncoded(floats, elementSize: dtype.byteSize) { encodeFloats($0, as: dtype, into: $1) }
        case .int64s(let int64s):
            try sink.writeEncoded(int64s, elementSize: 8, encode: encodeInt64s)
        }
    }
}
