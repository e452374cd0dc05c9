import Foundation
import POSIXFiles

/// Reading converter input: whole files, directory listings, image files.
enum InputFiles {
    /// The largest input file read whole (COCO's instances_train2017.json is 448 MB).
    static let maximumFileSize = 2 << 30

    /// The bytes of the regular file `path` (at most `maximumFileSize`), or `DatasetError.badInput` naming it;
    /// a FIFO or device is refused without blocking.
    static func read(_ path: String) throws -> [UInt8] {
        do {
            return try readRegularFile(path, limit: maximumFileSize)
        } catch let error as FileAccessError {
            throw DatasetError.badInput(file: path, problem: isDirectory(path) ? "is a directory" : error.reason)
        }
    }

    /// The lines of a text file, without trailing whitespace; empty lines dropped.
    static func lines(_ path: String) throws -> [String] {
        String(decoding: try read(path), as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Names of the subdirectories of `path`, sorted; hidden ones skipped.
    static func subdirectories(_ path: String) throws -> [String] {
        try entries(path).filter { isDirectory(path + "/" + $0) }
    }

    /// Paths of the image files (.jpg .jpeg .png .ppm .pgm, any case) under `path`, recursively, sorted.
    static func images(under path: String) throws -> [String] {
        guard isDirectory(path) else { throw DatasetError.badInput(file: path, problem: "is not a directory") }
        let found = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
        return found.filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") }
            .sorted().map { path + "/" + $0 }
    }

    /// The image formats the converters read.
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "ppm", "pgm"]

    /// Visible entries of a directory, sorted.
    static func entries(_ path: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw DatasetError.badInput(file: path, problem: "cannot list the directory")
        }
    }

    /// A sample key for the `index`-th sample of a split: 8 digits.
    static func key(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
