/// A .npy file that cannot be read or an array that cannot be written. Every description starts with
/// the file's path.
public enum NPYError: Error, CustomStringConvertible, Equatable {
    /// The file is shorter than the 10-byte magic, version and header length.
    case fileTooShort(path: String, fileSize: Int)
    case notNPY(path: String)
    case unsupportedVersion(path: String, major: UInt8, minor: UInt8)
    case headerBeyondFile(path: String, headerLength: Int, fileSize: Int)
    /// The header is not the Python dict literal with exactly 'descr', 'fortran_order' and 'shape'.
    case invalidHeader(path: String, problem: String)
    case unsupportedDType(path: String, descr: String)
    case fortranOrder(path: String)
    case dataSizeMismatch(path: String, dtype: TensorDType, shape: [Int], dataSize: Int, needed: Int)
    /// A conversion was asked for that the array's dtype does not support.
    case wrongDType(path: String, dtype: TensorDType, expected: String)
    /// The values given to the writer do not match the dtype and shape, or the dtype has no NumPy equivalent.
    case invalidArray(path: String, problem: String)

    public var description: String {
        switch self {
        case let .fileTooShort(path, fileSize):
            return "\(path): file is \(fileSize) bytes, too short for a .npy header"
        case let .notNPY(path):
            return "\(path): not a .npy file (it does not start with \\x93NUMPY)"
        case let .unsupportedVersion(path, major, minor):
            return "\(path): unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)"
        case let .headerBeyondFile(path, headerLength, fileSize):
            return "\(path): header length \(headerLength) reaches past the end of the \(fileSize)-byte file (truncated?)"
        case let .invalidHeader(path, problem):
            return "\(path): invalid .npy header: \(problem)"
        case let .unsupportedDType(path, descr):
            let supported = TensorDType.allCases.compactMap(\.numpyDescr).map { "'\($0)'" }.joined(separator: ", ")
            return "\(path): unsupported dtype '\(descr)' (supported: \(supported))"
        case let .fortranOrder(path):
            return "\(path): array is stored in Fortran order (fortran_order: True); only C order is supported"
                + " (save it with numpy.ascontiguousarray)"
        case let .dataSizeMismatch(path, dtype, shape, dataSize, needed):
            return "\(path): \(dataSize) data bytes but dtype \(dtype.numpyDescr ?? dtype.rawValue) shape"
                + " \(describe(shape: shape)) needs \(needed) bytes (file truncated?)"
        case let .wrongDType(path, dtype, expected):
            return "\(path): array has dtype \(dtype.numpyDescr ?? dtype.rawValue), expected \(expected)"
        case let .invalidArray(path, problem):
            return "\(path): cannot write array: \(problem)"
        }
    }
}
