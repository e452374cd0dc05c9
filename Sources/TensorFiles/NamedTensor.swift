/// A tensor to be written to a safetensors file.
public struct NamedTensor: Sendable {
    public var name: String
    public var dtype: TensorDType
    public var shape: [Int]
    public var values: TensorValues

    public init(name: String, dtype: TensorDType, shape: [Int], values: TensorValues) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.values = values
    }

    /// A tensor of raw little-endian bytes in `dtype`.
    public init(name: String, dtype: TensorDType, shape: [Int], bytes: [UInt8]) {
        self.init(name: name, dtype: dtype, shape: shape, values: .bytes(bytes))
    }

    /// A tensor of Floats, stored as `dtype` (F32, F64, F16 or BF16; F16 and BF16 round to nearest even).
    public init(name: String, shape: [Int], floats: [Float], dtype: TensorDType = .f32) {
        self.init(name: name, dtype: dtype, shape: shape, values: .floats(floats))
    }

    /// A tensor of Int64s, stored as I64.
    public init(name: String, shape: [Int], int64s: [Int64]) {
        self.init(name: name, dtype: .i64, shape: shape, values: .int64s(int64s))
    }
}
