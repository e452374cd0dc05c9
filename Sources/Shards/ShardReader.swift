/// Streams the samples of one shard: zstd -> tar -> groups of consecutive members sharing a key.
///
/// Only the current sample is held in memory. When the shard ends, the reader drains the file and checks it
/// against `expected` (from dataset.json): byte size, SHA-256 of the compressed file and sample count. A
/// mismatch is thrown by the call that reaches the end, i.e. after the last sample has been returned.
public final class ShardReader {
    /// The shard file.
    public let path: String
    /// What dataset.json records for this shard, if known.
    public let expected: ShardInfo?
    /// Samples returned or skipped so far.
    public private(set) var samplesRead = 0

    private let file: InputFile
    private let tar: TarReader
    /// The first member of the next sample, already read to find where the previous sample ended.
    private var lookahead: (member: TarMember, key: String, extension: String)?
    /// The key of the last member header read, to say where an error happened.
    private var positionKey: String?
    private var reachedEnd = false

    /// Opens `path`. Throws `.emptyShard` for a file of 0 bytes, `.system` if it cannot be opened.
    public init(path: String, expected: ShardInfo? = nil) throws {
        self.path = path
        self.expected = expected
        file = try InputFile(path: path)
        guard try file.size() > 0 else { throw ShardError.emptyShard(file: path, expectedSamples: expected?.samples) }
        tar = TarReader(source: try ZstdDecompressor(source: file))
    }

    /// The next sample, or nil after the last one (once the shard has been verified).
    public func next() throws -> ShardSample? {
        try attributingErrors { try readSample(keepingContents: true) }
    }

    /// Skips `count` samples (decoding and discarding them). Throws `.notEnoughSamples` if the shard ends first.
    public func skip(_ count: Int) throws {
        try attributingErrors {
            for skipped in 0 ..< count {
                guard try readSample(keepingContents: false) != nil else {
                    throw ShardError.notEnoughSamples(file: path, requested: count, skipped: skipped)
                }
            }
        }
    }

    /// Calls `body` with each remaining sample in order.
    public func forEachSample(_ body: (ShardSample) throws -> Void) throws {
        while let sample = try next() { try body(sample) }
    }

    private func readSample(keepingContents: Bool) throws -> ShardSample? {
        guard !reachedEnd else { return nil }
        let pending = lookahead
        lookahead = nil
        guard var entry = try pending ?? nextEntry() else {
            try verifyEnd()
            return nil
        }
        let key = entry.key
        var members: [String: [UInt8]] = [:]
        while true {
            guard members[entry.extension] == nil else { throw ShardError.duplicateMember(file: path, member: entry.member.name) }
            if keepingContents {
                members[entry.extension] = try tar.readContents()
            } else {
                try tar.skipContents()
                members[entry.extension] = []
            }
            guard let following = try nextEntry() else { break }
            guard following.key == key else {
                lookahead = following
                break
            }
            entry = following
        }
        samplesRead += 1
        return ShardSample(key: key, members: members)
    }

    private func nextEntry() throws -> (member: TarMember, key: String, extension: String)? {
        guard let member = try tar.nextMember() else { return nil }
        let (key, ext) = try SampleNaming.split(memberName: member.name, file: path)
        positionKey = key
        return (member, key, ext)
    }

    /// Reads to the end of the file and compares it with `expected`.
    private func verifyEnd() throws {
        reachedEnd = true
        try tar.drainSource()
        guard let expected else {
            if samplesRead == 0 { throw ShardError.emptyShard(file: path, expectedSamples: nil) }
            return
        }
        if file.bytesRead != expected.bytes {
            throw ShardError.sizeMismatch(file: path, expected: expected.bytes, actual: file.bytesRead)
        }
        let digest = file.digest().hex
        if digest != expected.sha256 {
            throw ShardError.checksumMismatch(file: path, expected: expected.sha256, actual: digest)
        }
        if samplesRead == 0 && expected.samples > 0 {
            throw ShardError.emptyShard(file: path, expectedSamples: expected.samples)
        }
        if samplesRead != expected.samples {
            throw ShardError.sampleCountMismatch(file: path, expected: expected.samples, actual: samplesRead)
        }
    }

    /// Runs `body`, adding the current sample key to errors that do not name a member already.
    private func attributingErrors<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as ShardError {
            throw error.at(sample: positionKey)
        }
    }
}
