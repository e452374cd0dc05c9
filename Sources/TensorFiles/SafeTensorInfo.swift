/// Where a tensor lives in a safetensors file and what it holds.
public struct SafeTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: TensorDType
    public let shape: [Int]
    /// The tensor's bytes within the data buffer (the header's `data_offsets`).
    public let dataOffsets: Range<Int>
}
