import POSIXFiles
/// Writes NumPy .npy files (format 1.0, C order, little-endian), byte-identical to `numpy.save`.
public enum NPYWriter {
    /// Writes `values` as an array of `dtype` and `shape` to `path`. The values are checked before
    /// anything is written, and the file is replaced atomically: after a failure an existing file at
    /// `path` is untouched and no temporary file remains.
    /// - Throws: `NPYError.invalidArray` for bad input, `FileAccessError` when the file cannot be written.
    public static func write(_ values: TensorValues, dtype: TensorDType, shape: [Int], to path: String) throws {
        if let problem = values.mismatch(dtype: dtype, shape: shape) {
            throw NPYError.invalidArray(path: path, problem: problem)
        }
        guard let descr = dtype.numpyDescr else {
            throw NPYError.invalidArray(path: path, problem: "dtype \(dtype.rawValue) has no NumPy equivalent")
        }
        guard let header = NPYHeader.encodedVersion1(dtype: descr, shape: shape) else {
            throw NPYError.invalidArray(path: path, problem: "shape \(describe(shape: shape)) is too long for a .npy 1.0 header")
        }
        try writeAtomically(to: path) { sink in
            try header.withUnsafeBytes { try sink.write($0) }
            try values.write(as: dtype, to: sink)
        }
    }
}
