import Foundation
import Support

/// The images `spd detect --source` names: one image file, or the images directly inside a directory.
public enum ImageFiles {
    /// File extensions read as images (case-insensitive).
    public static let extensions: Set<String> = ["jpg", "jpeg", "png", "ppm", "pgm"]

    /// `source` itself when it is a file; otherwise its image files (not recursive), sorted by name.
    public static func list(_ source: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw FileProblem(file: source, message: "no such image file or directory")
        }
        guard isDirectory.boolValue else { return [source] }
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: source) } catch {
            throw FileProblem(file: source, message: "cannot list the directory: \(error.localizedDescription)")
        }
        let images = entries.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        guard !images.isEmpty else {
            throw FileProblem(file: source, message: "no images in this directory (looked for .\(extensions.sorted().joined(separator: ", .")))")
        }
        return images.map { (source as NSString).appendingPathComponent($0) }
    }
}
