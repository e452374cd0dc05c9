import Foundation
import Support
import RunFormat

/// Appends lines to one rank's sample record, samples/rank-N.txt (`record_samples`): the epoch, step and keys of
/// every batch, written before the rank's gradient goes out.
final class SampleLog {
    let path: String
    private let handle: FileHandle

    init(path: String) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
        } catch {
            throw FileProblem(file: path, message: "cannot open the sample record: \(error.localizedDescription)")
        }
    }

    func append(_ line: String) throws {
        do { try handle.write(contentsOf: Data((line + "\n").utf8)) } catch {
            throw FileProblem(file: path, message: "cannot append: \(error.localizedDescription)")
        }
    }
}
