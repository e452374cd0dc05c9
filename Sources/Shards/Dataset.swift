import Foundation
import POSIXFiles
/// A dataset directory: dataset.json plus its shard files, checked when opened.
public struct Dataset: Sendable {
    public let directory: String
    public let manifest: DatasetManifest

    /// Reads `<directory>/dataset.json` and checks that every listed shard has a plain file name and a
    /// well-formed record, exists, and has the recorded size. (Checksums are verified while reading.)
    public init(directory: String) throws {
        if directory.hasSuffix(".yaml") || directory.hasSuffix(".yml") {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw ShardError.invalidManifest(file: directory, field: nil, reason: "a YOLOv5 data file, not a shard dataset: `spd train --data` and "
                                                 + "`spd val --data` convert it once into cached shards; elsewhere convert it with `spd data make yolo --from \(directory) --out DIR`")
            }
        }
        let manifestPath = directory + "/" + DatasetManifest.fileName
        let manifest = try DatasetManifest.read(from: manifestPath)
        for (split, shards) in manifest.splits.sorted(by: { $0.key < $1.key }) {
            for (index, shard) in shards.enumerated() {
                func invalid(_ field: String, _ reason: String) -> ShardError {
                    .invalidManifest(file: manifestPath, field: "splits.\(split)[\(index)].\(field)", reason: reason)
                }
                if shard.file.isEmpty || shard.file.contains("/") || shard.file.hasPrefix(".") {
                    throw invalid("file", "'\(shard.file)' is not a file name in the dataset directory")
                }
                if shard.samples < 0 { throw invalid("samples", "\(shard.samples) is negative") }
                if !Self.isSHA256Hex(shard.sha256) { throw invalid("sha256", "'\(shard.sha256)' is not 64 lowercase hex digits") }
                let path = directory + "/" + shard.file
                guard let size = try ShardError.mapping({ try fileSizeIfPresent(path) }) else { throw ShardError.missingShard(file: path) }
                if size != shard.bytes { throw ShardError.sizeMismatch(file: path, expected: shard.bytes, actual: size) }
            }
        }
        self.directory = directory
        self.manifest = manifest
    }

    /// Split names, sorted.
    public var splitNames: [String] { manifest.splits.keys.sorted() }

    /// The shards of `split`, in order. Throws `.unknownSplit`.
    public func shards(split: String) throws -> [ShardInfo] {
        guard let shards = manifest.splits[split] else {
            throw ShardError.unknownSplit(file: directory + "/" + DatasetManifest.fileName, split: split)
        }
        return shards
    }

    /// The full path of a shard of this dataset.
    public func path(of shard: ShardInfo) -> String {
        directory + "/" + shard.file
    }

    /// A reader for `shard` that verifies it against its manifest record.
    public func openShard(_ shard: ShardInfo) throws -> ShardReader {
        try ShardReader(path: path(of: shard), expected: shard)
    }

    private static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a") ... UInt8(ascii: "f")).contains($0) }
    }
}
