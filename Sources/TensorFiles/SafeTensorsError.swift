/// A safetensors file that cannot be read or tensors that cannot be written. Every description starts
/// with the file's path and names the tensor where one is involved.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file is shorter than the 8-byte header length.
    case fileTooShort(path: String, fileSize: Int)
    /// The header length reaches past the end of the file.
    case headerBeyondFile(path: String, headerLength: UInt64, fileSize: Int)
    /// The header length exceeds the 100 MB limit of the official library.
    case headerTooLarge(path: String, headerLength: UInt64)
    /// The header is not valid UTF-8 JSON.
    case invalidJSON(path: String, problem: String)
    /// The JSON is valid but not a safetensors header (`tensor` is nil for the top level).
    case invalidHeader(path: String, tensor: String?, problem: String)
    case unknownDType(path: String, tensor: String, dtype: String)
    case duplicateTensor(path: String, tensor: String)
    /// The data offsets of a tensor do not span exactly the bytes its dtype and shape need.
    case sizeMismatch(path: String, tensor: String, begin: Int, end: Int, dtype: TensorDType, shape: [Int], needed: Int)
    case offsetsOutsideBuffer(path: String, tensor: String, begin: Int, end: Int, bufferSize: Int)
    /// Two tensors share bytes of the data buffer.
    case overlappingTensors(path: String, tensor: String, otherTensor: String)
    /// Bytes of the data buffer that belong to no tensor (the official library rejects these too).
    case uncoveredBytes(path: String, begin: Int, end: Int)
    case tensorNotFound(path: String, tensor: String)
    /// A conversion was asked for that the tensor's dtype does not support.
    case wrongDType(path: String, tensor: String, dtype: TensorDType, expected: String)
    /// A tensor given to the writer does not match its dtype and shape, or its name is unusable.
    case invalidTensor(path: String, tensor: String, problem: String)

    public var description: String {
        switch self {
        case let .fileTooShort(path, fileSize):
            return "\(path): file is \(fileSize) bytes, too short for the 8-byte safetensors header length"
        case let .headerBeyondFile(path, headerLength, fileSize):
            return "\(path): header length \(headerLength) reaches past the end of the \(fileSize)-byte file"
                + " (truncated, or not a safetensors file)"
        case let .headerTooLarge(path, headerLength):
            return "\(path): header length \(headerLength) exceeds the limit of \(safeTensorsMaximumHeaderLength) bytes"
        case let .invalidJSON(path, problem):
            return "\(path): header is not valid JSON: \(problem)"
        case let .invalidHeader(path, tensor?, problem):
            return "\(path): tensor '\(tensor)': \(problem)"
        case let .invalidHeader(path, nil, problem):
            return "\(path): \(problem)"
        case let .unknownDType(path, tensor, dtype):
            let known = TensorDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(path): tensor '\(tensor)': unknown dtype '\(dtype)' (known: \(known))"
        case let .duplicateTensor(path, tensor):
            return "\(path): tensor '\(tensor)' appears more than once"
        case let .sizeMismatch(path, tensor, begin, end, dtype, shape, needed):
            return "\(path): tensor '\(tensor)': data_offsets [\(begin), \(end)] but dtype \(dtype.rawValue)"
                + " shape \(describe(shape: shape)) needs \(needed) bytes"
        case let .offsetsOutsideBuffer(path, tensor, begin, end, bufferSize):
            return "\(path): tensor '\(tensor)': data_offsets [\(begin), \(end)] lie outside the data buffer"
                + " of \(bufferSize) bytes (file truncated?)"
        case let .overlappingTensors(path, tensor, otherTensor):
            return "\(path): tensor '\(tensor)' overlaps tensor '\(otherTensor)' in the data buffer"
        case let .uncoveredBytes(path, begin, end):
            return "\(path): data buffer bytes [\(begin), \(end)) belong to no tensor"
        case let .tensorNotFound(path, tensor):
            return "\(path): no tensor named '\(tensor)'"
        case let .wrongDType(path, tensor, dtype, expected):
            return "\(path): tensor '\(tensor)' has dtype \(dtype.rawValue), expected \(expected)"
        case let .invalidTensor(path, tensor, problem):
            return "\(path): cannot write tensor '\(tensor)': \(problem)"
        }
    }
}
