import Checksum
import Foundation

/// `spd train --data X.yaml`: a YOLOv5 data file converted once into a shard dataset in a cache beside it
/// (`<dir>/<name>.spd-shards/`, or `~/.cache/spd/yolo/<name>-<fingerprint>` when that directory is not writable), and
/// reused while the input is unchanged: the cache records a SHA-256 fingerprint of the data file's bytes and of every
/// image and label file's path, size and modification time, and a different fingerprint converts again.
public enum YOLODataCache {
    /// Whether `path` names a data file (.yaml or .yml) rather than a shard dataset directory.
    public static func isDataFile(_ path: String) -> Bool {
        (path.hasSuffix(".yaml") || path.hasSuffix(".yml")) && InputFiles.exists(path) && !InputFiles.isDirectory(path)
    }

    /// The shard dataset directory for `dataFile`, converted when the cache is missing or stale. A conversion is
    /// written to a temporary directory and renamed into place, so an interrupted one leaves no half cache.
    public static func prepare(dataFile: String, options: ConversionOptions) throws -> String {
        let source = try YOLOConverter.yamlSource(dataFile, names: nil)
        let fingerprint = try self.fingerprint(dataFile: dataFile, source: source)
        let cache = location(for: dataFile, fingerprint: fingerprint)
        let record = cache + "/source.sha256"
        if let recorded = try? String(contentsOfFile: record, encoding: .utf8), recorded == fingerprint,
           InputFiles.exists(cache + "/dataset.json") {
            options.log("\(dataFile): using the shards converted before, \(cache) (the images and labels are unchanged)")
            return cache
        }
        options.log("\(dataFile): converting into \(cache) (once; reused while the images and labels are unchanged)")
        let partial = cache + ".partial-\(getpid())"
        try? FileManager.default.removeItem(atPath: partial)
        let name = ((dataFile as NSString).lastPathComponent as NSString).deletingPathExtension
        _ = try YOLOConverter.convert(from: dataFile, name: name, out: partial, options: options)
        do {
            try fingerprint.write(toFile: partial + "/source.sha256", atomically: true, encoding: .utf8)
            if InputFiles.exists(cache) { try FileManager.default.removeItem(atPath: cache) }
            try FileManager.default.moveItem(atPath: partial, toPath: cache)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw DatasetError.badInput(file: cache, problem: "cannot put the converted shards in place: \(error.localizedDescription)")
        }
        return cache
    }

    /// SHA-256 over the data file's bytes and each input file's path, size and modification time ("-" when missing).
    static func fingerprint(dataFile: String, source: YOLOConverter.Source) throws -> String {
        var hash = SHA256()
        hash.update(try InputFiles.read(dataFile))
        for file in source.inputFiles {
            let attributes = try? FileManager.default.attributesOfItem(atPath: file)
            let size = (attributes?[.size] as? NSNumber)?.int64Value
            let time = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970
            hash.update(Array("\(file)\t\(size.map(String.init) ?? "-")\t\(time.map { String($0) } ?? "-")\n".utf8))
        }
        return hash.finalize().hex
    }

    /// Beside the data file when its directory is writable, else in the user's cache directory.
    static func location(for dataFile: String, fingerprint: String) -> String {
        let directory = (dataFile as NSString).deletingLastPathComponent
        let name = ((dataFile as NSString).lastPathComponent as NSString).deletingPathExtension
        if access(directory.isEmpty ? "." : directory, W_OK) == 0 { return (directory.isEmpty ? "" : directory + "/") + name + ".spd-shards" }
        let home = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
        return "\(home)/spd/yolo/\(name)-\(fingerprint.prefix(12))"
    }
}
