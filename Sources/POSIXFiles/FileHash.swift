import Checksum

/// SHA-256 of the contents of the regular file at `path`, read in 1 MB blocks.
public func sha256(ofFile path: String) throws -> SHA256Digest {
    try FileDescriptor.withRegularFile(path) { file in
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { return hasher.finalize() }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }
}
