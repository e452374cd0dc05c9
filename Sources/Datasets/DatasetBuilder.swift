import Foundation
import Shards

/// Writes the shards of one or more splits plus dataset.json, tracking what the manifest needs: the image-size
/// policy (fixed when every image has one size) and the uncompressed tar bytes (`extra["tar_bytes"]`, for the
/// compression ratio `spd data inspect` prints).
///
/// The output directory must be new or empty, or hold a dataset.json of the same task and classes that lacks
/// the splits being written: then the new splits are added to it (e.g. COCO's train and val files converted
/// one after the other). If conversion fails, the shards written so far are deleted.
public final class DatasetBuilder {
    public let directory: String
    private var manifest: DatasetManifest
    private let options: ConversionOptions
    private var writers: [String: ShardWriter] = [:]
    /// The size of the first image; `sizesDiffer` once another size is seen.
    private var commonSize: ImageDimensions?
    private var sizesDiffer = false
    /// Uncompressed tar bytes of all splits; nil when an existing dataset being extended did not record its own.
    private var tarBytes: Int? = 0
    private let progress: Progress

    /// Pixel size of an image.
    public struct ImageDimensions: Hashable, Sendable {
        public var width: Int
        public var height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
    }

    /// Runs `body` with a new builder and writes dataset.json; on error deletes what was written and rethrows.
    public static func build(
        directory: String, name: String, task: DatasetManifest.Task, classes: [String], tool: String,
        options: ConversionOptions, _ body: (DatasetBuilder) throws -> [String: String]
    ) throws -> DatasetManifest {
        let builder = try DatasetBuilder(directory: directory, name: name, task: task, classes: classes, tool: tool, options: options.validated())
        do {
            let extra = try body(builder)
            return try builder.finish(extra: extra)
        } catch {
            builder.discard()
            throw error
        }
    }

    private init(directory: String, name: String, task: DatasetManifest.Task, classes: [String], tool: String, options: ConversionOptions) throws {
        self.directory = directory
        self.options = options
        progress = Progress(name, options: options)
        let manifestPath = directory + "/" + DatasetManifest.fileName
        if FileManager.default.fileExists(atPath: manifestPath) {
            let existing = try DatasetManifest.read(from: manifestPath)
            guard existing.task == task, existing.classes == classes else {
                throw DatasetError.badOutput(directory: directory, problem: "holds a \(existing.task.rawValue) dataset with other classes; use a new directory")
            }
            manifest = existing
            tarBytes = existing.extra?["tar_bytes"].flatMap { Int($0) }
            switch existing.imageSize {
            case let .fixed(width, height): commonSize = ImageDimensions(width: width, height: height)
            case .variable: sizesDiffer = true
            }
        } else {
            if let entries = try? FileManager.default.contentsOfDirectory(atPath: directory), !entries.isEmpty {
                throw DatasetError.badOutput(directory: directory, problem: "exists and is not empty")
            }
            manifest = DatasetManifest(
                name: name, task: task, classes: classes, imageSize: .variable, splits: [:],
                creator: .init(tool: tool, version: DatasetsVersion.current))
        }
    }

    /// Appends a sample to `split`: the image member first, then the label member.
    public func append(split: String, key: String, image: (extension: String, data: [UInt8]), size: ImageDimensions,
                       label: (extension: String, data: [UInt8])) throws {
        let writer = try self.writer(for: split)
        try writer.append(key: key, members: [image, label])
        tarBytes? += TarWriter.archivedSize(ofFileWithSize: image.data.count) + TarWriter.archivedSize(ofFileWithSize: label.data.count)
        if commonSize == nil && !sizesDiffer { commonSize = size }
        if commonSize != size { sizesDiffer = true }
        progress.tick()
    }

    /// Samples appended so far.
    public var samples: Int { progress.samples }

    private func writer(for split: String) throws -> ShardWriter {
        if let writer = writers[split] { return writer }
        guard manifest.splits[split] == nil else {
            throw DatasetError.badOutput(directory: directory, problem: "already has a '\(split)' split")
        }
        let writer = try ShardWriter(directory: directory, split: split, maxSamplesPerShard: options.samplesPerShard,
                                     maxBytesPerShard: options.maxBytesPerShard, zstdLevel: options.zstdLevel)
        writers[split] = writer
        return writer
    }

    private func finish(extra: [String: String]) throws -> DatasetManifest {
        guard samples > 0 else { throw DatasetError.badOutput(directory: directory, problem: "no sample could be converted, so nothing was written") }
        for (split, writer) in writers.sorted(by: { $0.key < $1.key }) {
            let shards = try writer.finish()
            manifest.splits[split] = shards
            tarBytes? += 2 * 512 * shards.count  // each tar stream's end-of-archive blocks
        }
        if let commonSize, !sizesDiffer {
            manifest.imageSize = .fixed(width: commonSize.width, height: commonSize.height)
        } else {
            manifest.imageSize = .variable
        }
        var merged = manifest.extra ?? [:]
        merged.merge(extra) { _, new in new }
        merged["tar_bytes"] = tarBytes.map(String.init)
        manifest.extra = merged
        try manifest.write(to: directory + "/" + DatasetManifest.fileName)
        options.log("\(manifest.name): wrote \(samples) samples to \(directory) in \(String(format: "%.1f", progress.elapsed)) s")
        return manifest
    }

    /// Deletes the shards of the splits this builder wrote (a writer deletes its open shard itself), and the
    /// directory if that leaves it empty.
    private func discard() {
        let splits = Array(writers.keys)
        writers.removeAll()
        for split in splits {
            var index = 0
            while (try? FileManager.default.removeItem(atPath: directory + "/" + ShardInfo.fileName(split: split, index: index))) != nil {
                index += 1
            }
        }
        if (try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

/// The version recorded in dataset.json's `creator`.
enum DatasetsVersion {
    static let current = "0.1.0"
}
