import POSIXFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory; readers parse it in place without copying it.
/// The mapping is immutable, so sharing it between threads is safe.
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws {
        self.path = path
        bytes = try FileDescriptor.withRegularFile(path) { file in
            let size = try file.regularFileSize()
            guard size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, file.raw, 0)
            guard let address, address != MAP_FAILED else { throw FileAccessError.lastSystemCall("mmap", path: path) }
            return UnsafeRawBufferPointer(start: address, count: size)
        }
    }

    deinit {
        if let address = bytes.baseAddress {
            // munmap of a mapping this object created cannot fail; there is no caller to tell if it did.
            _ = munmap(UnsafeMutableRawPointer(mutating: address), bytes.count)
        }
    }
}
