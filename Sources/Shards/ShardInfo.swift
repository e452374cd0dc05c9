/// One shard as listed in dataset.json: `{"file", "samples", "bytes", "sha256"}`.
public struct ShardInfo: Codable, Equatable, Hashable, Sendable {
    /// File name within the dataset directory, e.g. `train-000003.tar.zst`.
    public var file: String
    /// Number of samples.
    public var samples: Int
    /// Size of the compressed file in bytes.
    public var bytes: Int
    /// SHA-256 of the compressed file, 64 lowercase hex digits.
    public var sha256: String

    public init(file: String, samples: Int, bytes: Int, sha256: String) {
        self.file = file
        self.samples = samples
        self.bytes = bytes
        self.sha256 = sha256
    }

    /// The file name of shard `index` of `split`: `train-000003.tar.zst`.
    public static func fileName(split: String, index: Int) -> String {
        let digits = String(index)
        return split + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".tar.zst"
    }
}
