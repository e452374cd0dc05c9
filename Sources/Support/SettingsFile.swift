#if canImport(Glibc)
import Glibc
#endif
import POSIXFiles

/// The text of a settings file the user named (a model file, experiment, hyp file, sweep, hostfile): a regular
/// UTF-8 file of at most `limit` bytes, so a FIFO is refused without blocking and a huge file without reading it.
/// Errors name the file: "no such file", "not a regular file", "not UTF-8 text" or its size.
public func readSettingsFile(_ path: String, limit: Int = 1 << 20) throws -> String {
    do {
        return try readTextFile(path, limit: limit)
    } catch let error as FileAccessError {
        if case let .systemCall(_, "open", code) = error, code == ENOENT { throw FileProblem(file: path, message: "no such file") }
        throw FileProblem(file: path, message: error.reason)
    }
}
