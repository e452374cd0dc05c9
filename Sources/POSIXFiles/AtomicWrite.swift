import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the file at `path` through `body` so that readers see either the old file or the complete new
/// one: the data goes to a temporary file in the same directory, which is fsynced and renamed over `path`,
/// and then the directory is fsynced. On any failure the temporary file is removed and an existing file
/// at `path` is left untouched. Only a regular file is replaced: a symlink, device, FIFO or directory at `path`
/// is an error (`.notReplaceable`) and stays as it is.
public func writeAtomically(to path: String, _ body: (BufferedFileSink) throws -> Void) throws {
    try refuseNonRegularDestination(path)
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
    } catch {
        removeAfterFailure(temporaryPath)
        throw error
    }
    try commitRename(temporaryPath, to: path)
}

/// Throws `.notReplaceable` when something other than a regular file is at `path` (lstat: a symlink counts as one).
public func refuseNonRegularDestination(_ path: String) throws {
    var status = stat()
    guard lstat(path, &status) == 0 else {
        guard errno == ENOENT else { throw FileAccessError.lastSystemCall("lstat", path: path) }
        return
    }
    guard status.st_mode & S_IFMT == S_IFREG else { throw FileAccessError.notReplaceable(path: path) }
}

/// `writeAtomically(to:_:)` for bytes already in memory.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    try writeAtomically(to: path) { sink in try bytes.withUnsafeBytes { try sink.write($0) } }
}

/// Renames a fully written and fsynced `temporary` file (or directory) to `path` and fsyncs the directory holding
/// `path`, so the rename survives a crash. The temporary is removed when the rename fails.
public func commitRename(_ temporary: String, to path: String) throws {
    guard rename(temporary, path) == 0 else {
        let error = FileAccessError.lastSystemCall("rename of \(temporary) to it", path: path)
        removeAfterFailure(temporary)
        throw error
    }
    try syncDirectory(splitDirectory(of: path).directory)
}

/// fsyncs a directory so that entries created, renamed or removed in it are durable.
public func syncDirectory(_ path: String) throws {
    try FileDescriptor.withOpen(path, flags: O_RDONLY | O_DIRECTORY) { try $0.sync() }
}

/// Creates `path` as a directory, with any missing parents, unless it already exists.
public func makeDirectories(_ path: String) throws {
    if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
    if errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
        try makeDirectories(String(path[..<slash]))
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
    }
    throw FileAccessError.lastSystemCall("mkdir", path: path)
}

/// Points the symbolic link `link` at `target` (a name relative to the link's directory), atomically: a reader
/// sees the old target or the new one, never no link.
public func replaceSymlink(_ link: String, target: String) throws {
    let temporary = "\(link).tmp-\(getpid())"
    _ = unlink(temporary)
    guard symlink(target, temporary) == 0 else { throw FileAccessError.lastSystemCall("symlink", path: temporary) }
    guard rename(temporary, link) == 0 else {
        let error = FileAccessError.lastSystemCall("rename of \(temporary) to it", path: link)
        removeAfterFailure(temporary)
        throw error
    }
}

/// The size of the file at `path`, or nil when nothing is there.
public func fileSizeIfPresent(_ path: String) throws -> Int? {
    var info = stat()
    guard stat(path, &info) == 0 else {
        if errno == ENOENT { return nil }
        throw FileAccessError.lastSystemCall("stat", path: path)
    }
    return Int(info.st_size)
}

/// Removes a temporary file while another error is being reported; that error is the one that matters.
private func removeAfterFailure(_ temporaryPath: String) {
    _ = unlink(temporaryPath)
}

/// The directory holding `path` ("." when it has no slash) and the file's name.
func splitDirectory(of path: String) -> (directory: String, fileName: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = slash == path.startIndex ? "/" : String(path[..<slash])
    return (directory, String(path[path.index(after: slash)...]))
}

/// Removes a file or directory tree, ignoring errors: cleanup of a temporary after a failure already reported, or
/// of something that may already be gone.
public func removeTreeIgnoringErrors(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}
