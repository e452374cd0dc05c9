import POSIXFiles
/// Writes safetensors files.
public enum SafeTensorsWriter {
    /// Writes `tensors` to `path` in the given order, with the optional string `metadata` as
    /// `__metadata__`. The same input always gives byte-identical files. Every tensor is checked before
    /// anything is written, and the file is replaced atomically: after a failure an existing file at
    /// `path` is untouched and no temporary file remains.
    /// - Throws: `SafeTensorsError.invalidTensor` or `.duplicateTensor` for bad input,
    ///   `FileAccessError` when the file cannot be written.
    public static func write(tensors: [NamedTensor], metadata: [String: String] = [:], to path: String) throws {
        try validate(tensors, path: path)
        let header = paddedHeader(for: tensors, metadata: metadata)
        try writeAtomically(to: path) { sink in
            try withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { try sink.write($0) }
            try sink.write(header)
            for tensor in tensors {
                try tensor.values.write(as: tensor.dtype, to: sink)
            }
        }
    }

    private static func validate(_ tensors: [NamedTensor], path: String) throws {
        var names: Set<String> = []
        for tensor in tensors {
            guard tensor.name != "__metadata__" else {
                throw SafeTensorsError.invalidTensor(path: path, tensor: tensor.name, problem: "the name is reserved for metadata")
            }
            guard names.insert(tensor.name).inserted else {
                throw SafeTensorsError.duplicateTensor(path: path, tensor: tensor.name)
            }
            if let problem = tensor.values.mismatch(dtype: tensor.dtype, shape: tensor.shape) {
                throw SafeTensorsError.invalidTensor(path: path, tensor: tensor.name, problem: problem)
            }
        }
    }

    /// The JSON header, metadata first with sorted keys, then the tensors in order; padded with spaces to
    /// a multiple of 8 bytes so the data buffer starts aligned.
    private static func paddedHeader(for tensors: [NamedTensor], metadata: [String: String]) -> String {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { jsonQuoted($0.key) + ":" + jsonQuoted($0.value) }
            entries.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in tensors {
            let size = byteCount(dtype: tensor.dtype, shape: tensor.shape)!
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(jsonQuoted(tensor.name) + ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        let header = "{" + entries.joined(separator: ",") + "}"
        let padding = (8 - header.utf8.count % 8) % 8
        return header + String(repeating: " ", count: padding)
    }
}
