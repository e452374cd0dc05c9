#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every failure of the shard layer. Each case names the file it concerns; `description` is one line for a user.
public enum ShardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A POSIX call (open, read, write, fsync, rename, close, ...) failed with `code` (errno).
    case system(file: String, operation: String, code: Int32, sample: String?)
    /// A path where a file was expected names a directory, FIFO, device or socket.
    case notARegularFile(file: String)
    /// zstd reported an error; `reason` is ZSTD_getErrorName.
    case zstd(file: String, operation: String, reason: String, sample: String?)
    /// The file ended while the zstd decoder still expected input.
    case truncatedFrame(file: String, sample: String?)
    /// A tar header failed its checksum or could not be parsed; `offset` is within the uncompressed tar stream.
    case corruptTarHeader(file: String, offset: UInt64, member: String?, reason: String)
    /// A tar member that is neither a regular file nor a directory (links, pax or GNU extension headers).
    case unsupportedMember(file: String, member: String, typeFlag: UInt8)
    /// The tar stream ended inside a member's contents.
    case truncatedMember(file: String, member: String, missingBytes: Int)
    /// The tar stream ended without its end-of-archive blocks.
    case truncatedArchive(file: String, sample: String?)
    /// A member name without an extension (`<key>.<ext>` expected).
    case memberWithoutExtension(file: String, member: String)
    /// A member name with an empty key (e.g. `.jpg`).
    case memberWithoutKey(file: String, member: String)
    /// Two members of one sample share an extension.
    case duplicateMember(file: String, member: String)
    /// A shard file of 0 bytes, or one holding no samples when samples were expected.
    case emptyShard(file: String, expectedSamples: Int?)
    /// The shard's byte size differs from the manifest.
    case sizeMismatch(file: String, expected: Int, actual: Int)
    /// The shard's SHA-256 differs from the manifest.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// The shard's sample count differs from the manifest.
    case sampleCountMismatch(file: String, expected: Int, actual: Int)
    /// `skip` asked for more samples than the shard has left.
    case notEnoughSamples(file: String, requested: Int, skipped: Int)
    /// A sample key that cannot be written (empty, or containing '.' or '/').
    case invalidKey(file: String, key: String, reason: String)
    /// A sample key already written to this split.
    case duplicateKey(file: String, key: String)
    /// A member of a sample that cannot be written (bad extension, too long a name, too large).
    case invalidMember(file: String, member: String, reason: String)
    /// dataset.json does not exist.
    case missingManifest(file: String)
    /// dataset.json is not valid JSON or a field is missing or wrong; `field` is a dotted path such as `splits.train[0].sha256`.
    case invalidManifest(file: String, field: String?, reason: String)
    /// A shard listed in dataset.json does not exist.
    case missingShard(file: String)
    /// The dataset has no split of this name.
    case unknownSplit(file: String, split: String)
    /// The writer was used after an earlier I/O failure or after `finish()`.
    case writerClosed(file: String, reason: String)

    public var description: String {
        switch self {
        case let .system(file, operation, code, sample):
            return "\(file): \(operation) failed: \(String(cString: strerror(code)))\(at(sample))"
        case let .notARegularFile(file):
            return "\(file): not a regular file"
        case let .zstd(file, operation, reason, sample):
            return "\(file): zstd \(operation) failed: \(reason)\(at(sample))"
        case let .truncatedFrame(file, sample):
            return "\(file): truncated zstd frame (the file ends inside a frame)\(at(sample))"
        case let .corruptTarHeader(file, offset, member, reason):
            let name = member.map { " (member '\($0)')" } ?? ""
            return "\(file): corrupt tar header at offset \(offset)\(name): \(reason)"
        case let .unsupportedMember(file, member, typeFlag):
            return "\(file): member '\(member)' has unsupported tar type '\(Character(Unicode.Scalar(typeFlag)))' (only regular files)"
        case let .truncatedMember(file, member, missingBytes):
            return "\(file): truncated member '\(member)' (\(missingBytes) bytes missing)"
        case let .truncatedArchive(file, sample):
            return "\(file): truncated tar stream (no end-of-archive blocks)\(at(sample))"
        case let .memberWithoutExtension(file, member):
            return "\(file): member '\(member)' has no extension (expected <key>.<ext>)"
        case let .memberWithoutKey(file, member):
            return "\(file): member '\(member)' has an empty key (expected <key>.<ext>)"
        case let .duplicateMember(file, member):
            return "\(file): member '\(member)' appears twice in one sample"
        case let .emptyShard(file, expectedSamples):
            if let expectedSamples { return "\(file): empty shard (no samples, manifest says \(expectedSamples))" }
            return "\(file): empty shard (no samples)"
        case let .sizeMismatch(file, expected, actual):
            return "\(file): size mismatch (manifest \(expected) bytes, file \(actual) bytes)"
        case let .checksumMismatch(file, expected, actual):
            return "\(file): sha256 mismatch (manifest \(expected), file \(actual))"
        case let .sampleCountMismatch(file, expected, actual):
            return "\(file): sample count mismatch (manifest \(expected), file \(actual))"
        case let .notEnoughSamples(file, requested, skipped):
            return "\(file): cannot skip \(requested) samples, the shard ended after \(skipped)"
        case let .invalidKey(file, key, reason):
            return "\(file): invalid sample key '\(key)': \(reason)"
        case let .duplicateKey(file, key):
            return "\(file): duplicate sample key '\(key)'"
        case let .invalidMember(file, member, reason):
            return "\(file): invalid member '\(member)': \(reason)"
        case let .missingManifest(file):
            return "\(file): missing dataset manifest"
        case let .invalidManifest(file, field, reason):
            return "\(file): invalid manifest\(field.map { " field '\($0)'" } ?? ""): \(reason)"
        case let .missingShard(file):
            return "\(file): shard listed in the manifest is missing"
        case let .unknownSplit(file, split):
            return "\(file): no split named '\(split)'"
        case let .writerClosed(file, reason):
            return "\(file): shard writer is closed: \(reason)"
        }
    }

    /// The same error, attributed to the sample being read when it happened (for cases that carry a sample).
    func at(sample key: String?) -> ShardError {
        switch self {
        case let .system(file, operation, code, nil): return .system(file: file, operation: operation, code: code, sample: key)
        case let .zstd(file, operation, reason, nil): return .zstd(file: file, operation: operation, reason: reason, sample: key)
        case let .truncatedFrame(file, nil): return .truncatedFrame(file: file, sample: key)
        case let .truncatedArchive(file, nil): return .truncatedArchive(file: file, sample: key)
        default: return self
        }
    }

    private func at(_ sample: String?) -> String {
        sample.map { " at sample '\($0)'" } ?? ""
    }
}
