import Shards

/// What `spd data inspect` prints: per-split sample and byte counts from dataset.json, and from streaming the
/// labels the per-class counts and (detection) the box-size histogram.
public struct DatasetInspection: Sendable {
    public struct Split: Sendable, Equatable {
        public var name: String
        public var shards: Int
        public var samples: Int
        /// Compressed bytes.
        public var bytes: Int
    }

    public var manifest: DatasetManifest
    public var splits: [Split]
    /// Labels per class index, all splits together (boxes for detection).
    public var classCounts: [Int]
    public var boxSizes: BoxSizeHistogram
    /// Compressed bytes of all shards.
    public var bytes: Int { splits.reduce(0) { $0 + $1.bytes } }
    /// Uncompressed tar bytes / compressed bytes, when the creator recorded `extra["tar_bytes"]`.
    public var compressionRatio: Double? {
        guard let tarBytes = manifest.extra?["tar_bytes"].flatMap({ Int($0) }), bytes > 0 else { return nil }
        return Double(tarBytes) / Double(bytes)
    }

    /// Reads `directory`'s manifest and streams every shard's labels. Throws the first read error (use
    /// `DatasetVerifier` to list every problem).
    public init(directory: String) throws {
        let dataset = try Dataset(directory: directory)
        manifest = dataset.manifest
        splits = try dataset.splitNames.map { name in
            let shards = try dataset.shards(split: name)
            return Split(name: name, shards: shards.count, samples: shards.reduce(0) { $0 + $1.samples }, bytes: shards.reduce(0) { $0 + $1.bytes })
        }
        classCounts = Array(repeating: 0, count: manifest.classes.count)
        boxSizes = BoxSizeHistogram()
        for split in dataset.splitNames {
            for shard in try dataset.shards(split: split) {
                let reader = try dataset.openShard(shard)
                try reader.forEachSample { sample in try count(sample, shard: dataset.path(of: shard)) }
            }
        }
    }

    private mutating func count(_ sample: ShardSample, shard: String) throws {
        func tally(_ index: Int) { if classCounts.indices.contains(index) { classCounts[index] += 1 } }
        if let bytes = sample["cls"], case let .success(index) = SampleSchema.classIndex(bytes, classes: classCounts.count) { tally(index) }
        if let bytes = sample["json"] {
            for box in try DetectionLabel(decoding: bytes, name: "\(shard): sample '\(sample.key)'").boxes where box.count == 5 {
                boxSizes.add(width: box[2], height: box[3])
                tally(Int(box[4]))
            }
        }
    }

    /// The report as text lines.
    public var rendered: String {
        var lines = ["\(manifest.name): \(manifest.task.rawValue), \(manifest.classes.count) classes, image size \(Self.describe(manifest.imageSize))"]
        for split in splits {
            lines.append("  \(split.name): \(split.samples) samples in \(split.shards) shards, \(Self.megabytes(split.bytes))")
        }
        let ratio = compressionRatio.map { String(format: "%.2f", $0) } ?? "unknown (no tar_bytes recorded)"
        lines.append("  total: \(Self.megabytes(bytes)) compressed, compression ratio \(ratio)")
        if manifest.task == .detect {
            let total = max(boxSizes.total, 1)
            func share(_ count: Int) -> String { "\(count) (\(count * 100 / total)%)" }
            lines.append("  boxes: \(boxSizes.total); small (< 32^2) \(share(boxSizes.small)), medium \(share(boxSizes.medium)), large (>= 96^2) \(share(boxSizes.large))")
        }
        lines.append("  per class: " + zip(manifest.classes, classCounts).map { "\($0) \($1)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    private static func describe(_ size: DatasetManifest.ImageSize) -> String {
        switch size {
        case let .fixed(width, height): "\(width)x\(height)"
        case .variable: "variable"
        }
    }

    private static func megabytes(_ bytes: Int) -> String {
        String(format: "%.2f MB", Double(bytes) / 1e6)
    }
}
