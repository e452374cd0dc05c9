import Foundation
import Support
import Shards

/// The class names boxes are labelled with: from a text file (one name per line), from a dataset's
/// dataset.json, or YOLOv5's defaults `class0`, `class1`, ...
public enum ClassNames {
    /// The names from `namesFile`, else from `datasetDirectory`'s dataset.json, else the defaults; a file must
    /// list exactly `classCount` names.
    public static func load(namesFile: String?, datasetDirectory: String?, classCount: Int) throws -> [String] {
        let names: [String], file: String
        if let namesFile {
            (names, file) = (try read(namesFile: namesFile), namesFile)
        } else if let datasetDirectory {
            file = "\(datasetDirectory)/\(DatasetManifest.fileName)"
            names = try DatasetManifest.read(from: file).classes
        } else {
            return (0..<classCount).map { "class\($0)" }
        }
        guard names.count == classCount else {
            throw FileProblem(file: file, message: "lists \(names.count) class names, the model has \(classCount) classes")
        }
        return names
    }

    /// The non-empty lines of a names file, trimmed.
    private static func read(namesFile path: String) throws -> [String] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            throw FileProblem(file: path, message: exists ? "cannot read the class names: \(error.localizedDescription)" : "no such class names file")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
