#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the file at `path` through `body` so that readers see either the old file or the complete new
/// one: the data goes to a temporary file in the same directory, which is fsynced and renamed over `path`,
/// and then the directory is fsynced. On any failure the temporary file is removed and an existing file
/// at `path` is left untouched.
func writeAtomically(to path: String, _ body: (BufferedFileSink) throws -> Void) throws {
    let (directory, fileName) = splitDirectory(of: path)
    let temporaryPath = "\(directory)/.\(fileName).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let temporary = try FileDescriptor(opening: temporaryPath, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o666)
    do {
        let sink = BufferedFileSink(file: temporary)
        try body(sink)
        try sink.flush()
        try temporary.sync()
    } catch {
        temporary.closeAfterFailure()
        removeAfterFailure(temporaryPath)
        throw error
    }
    do {
        try temporary.closeChecked()
        guard rename(temporaryPath, path) == 0 else {
            throw FileAccessError.lastSystemCall("rename of \(temporaryPath) to it", path: path)
        }
    } catch {
        removeAfterFailure(temporaryPath)
        throw error
    }
    try FileDescriptor.withOpen(directory, flags: O_RDONLY | O_DIRECTORY) { try $0.sync() }
}

/// Removes a temporary file while another error is being reported; that error is the one that matters.
private func removeAfterFailure(_ temporaryPath: String) {
    _ = unlink(temporaryPath)
}

/// The directory holding `path` ("." when it has no slash) and the file's name.
private func splitDirectory(of path: String) -> (directory: String, fileName: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = slash == path.startIndex ? "/" : String(path[..<slash])
    return (directory, String(path[path.index(after: slash)...]))
}
