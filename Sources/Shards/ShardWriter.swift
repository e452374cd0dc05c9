import POSIXFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the samples of one split into numbered shards `<split>-000000.tar.zst`, `<split>-000001.tar.zst`, ...
///
/// Each shard is a zstd-compressed ustar stream of members `<key>.<ext>`. A new shard starts when the current
/// one holds `maxSamplesPerShard` samples, or when the next sample would take its tar stream (uncompressed
/// bytes, headers included) past `maxBytesPerShard`; a shard always takes at least one sample. Shards are
/// written under a temporary name, hashed as written, fsynced and renamed into place. A shard left open by
/// an error or by dropping the writer without `finish()` is deleted. Keys must be unique within the split;
/// the writer remembers every key it has written (short keys such as "000123" cost 16 bytes each).
public final class ShardWriter {
    public let directory: String
    public let split: String
    public let maxSamplesPerShard: Int?
    public let maxBytesPerShard: Int?
    public let zstdLevel: Int
    public let zstdWorkers: Int

    private var current: OpenShard?
    private var written: [ShardInfo] = []
    private var keys = Set<String>()
    /// Set after an I/O error or `finish()`; later calls throw it.
    private var closedBecause: ShardError?

    /// - Parameters:
    ///   - directory: the dataset directory (created if missing).
    ///   - split: split name used as the shard file prefix, e.g. "train" or "val".
    ///   - maxSamplesPerShard, maxBytesPerShard: roll-over limits; nil means unlimited.
    ///   - zstdLevel: zstd compression level (default 3).
    ///   - zstdWorkers: zstd compression threads (0: compress on the calling thread).
    public init(
        directory: String, split: String = "train", maxSamplesPerShard: Int? = nil, maxBytesPerShard: Int? = nil,
        zstdLevel: Int = 3, zstdWorkers: Int = 0
    ) throws {
        if let problem = SampleNaming.problem(withKey: split) {
            throw ShardError.invalidKey(file: directory, key: split, reason: "split name: \(problem)")
        }
        precondition((maxSamplesPerShard ?? 1) > 0 && (maxBytesPerShard ?? 1) > 0, "shard limits must be positive")
        self.directory = directory
        self.split = split
        self.maxSamplesPerShard = maxSamplesPerShard
        self.maxBytesPerShard = maxBytesPerShard
        self.zstdLevel = zstdLevel
        self.zstdWorkers = zstdWorkers
        try ShardError.mapping { try makeDirectories(directory) }
    }

    deinit { current?.discard() }

    /// Appends one sample: its members are written as `<key>.<ext>` in the given order.
    /// Throws `.invalidKey` (empty, '.' or '/'), `.duplicateKey`, or `.invalidMember` without writing anything.
    public func append(key: String, members: [(extension: String, data: [UInt8])]) throws {
        if let closedBecause { throw closedBecause }
        let place = current?.path ?? directory
        if let problem = SampleNaming.problem(withKey: key) { throw ShardError.invalidKey(file: place, key: key, reason: problem) }
        guard !keys.contains(key) else { throw ShardError.duplicateKey(file: place, key: key) }
        guard !members.isEmpty else { throw ShardError.invalidKey(file: place, key: key, reason: "the sample has no members") }
        var extensions = Set<String>()
        var sampleBytes = 0
        for member in members {
            let name = SampleNaming.memberName(key: key, extension: member.extension)
            if let problem = SampleNaming.problem(withExtension: member.extension) {
                throw ShardError.invalidMember(file: place, member: name, reason: problem)
            }
            guard extensions.insert(member.extension).inserted else {
                throw ShardError.invalidMember(file: place, member: name, reason: "the sample already has this extension")
            }
            guard TarWriter.canRepresent(name: name) else {
                throw ShardError.invalidMember(file: place, member: name, reason: "the name is longer than 100 bytes")
            }
            sampleBytes += TarWriter.archivedSize(ofFileWithSize: member.data.count)
        }

        do {
            if let shard = current, isFull(shard, adding: sampleBytes) {
                try closeCurrentShard()
            }
            let shard = try current ?? openNextShard()
            current = shard
            for member in members {
                let name = SampleNaming.memberName(key: key, extension: member.extension)
                try member.data.withUnsafeBytes { try shard.tar.append(name: name, contents: $0) }
            }
            shard.samples += 1
            keys.insert(key)
        } catch let error as ShardError {
            current?.discard()
            current = nil
            closedBecause = .writerClosed(file: directory, reason: error.description)
            throw error
        }
    }

    /// Closes the last shard and returns every shard written, in order.
    public func finish() throws -> [ShardInfo] {
        if let closedBecause { throw closedBecause }
        closedBecause = .writerClosed(file: directory, reason: "finish() was called")
        try closeCurrentShard()
        return written
    }

    /// Closes the open shard (if any) and records it; on failure its temporary file is deleted.
    private func closeCurrentShard() throws {
        guard let shard = current else { return }
        current = nil
        do {
            written.append(try shard.close())
        } catch {
            shard.discard()
            throw error
        }
    }

    private func isFull(_ shard: OpenShard, adding sampleBytes: Int) -> Bool {
        if let maxSamplesPerShard, shard.samples >= maxSamplesPerShard { return true }
        if let maxBytesPerShard, shard.tar.bytesWritten + sampleBytes > maxBytesPerShard { return true }
        return false
    }

    private func openNextShard() throws -> OpenShard {
        let name = ShardInfo.fileName(split: split, index: written.count)
        return try OpenShard(path: directory + "/" + name, fileName: name, level: zstdLevel, workers: zstdWorkers)
    }
}

/// A shard being written: a temporary file behind a zstd compressor behind a tar writer.
private final class OpenShard {
    let path: String
    let fileName: String
    let temporaryPath: String
    let file: OutputFile
    let compressor: ZstdCompressor
    let tar: TarWriter
    var samples = 0

    init(path: String, fileName: String, level: Int, workers: Int) throws {
        self.path = path
        self.fileName = fileName
        temporaryPath = Shards.temporaryPath(for: path)
        file = try OutputFile(creating: temporaryPath)
        do {
            compressor = try ZstdCompressor(output: file, level: level, workers: workers)
        } catch {
            unlink(temporaryPath)
            throw error
        }
        tar = TarWriter(sink: compressor)
    }

    /// Ends the tar stream and the zstd frame, fsyncs, renames into place and describes the shard.
    func close() throws -> ShardInfo {
        try tar.finish()
        try compressor.finish()
        try file.syncAndClose()
        try ShardError.mapping { try commitRename(temporaryPath, to: path) }
        return ShardInfo(file: fileName, samples: samples, bytes: file.bytesWritten, sha256: file.digest().hex)
    }

    /// Deletes the temporary file.
    func discard() {
        unlink(temporaryPath)
    }
}
