/// A deterministic train/val assignment by key: a key goes to "val" when a hash of (seed, key) falls below
/// `fraction`. The choice depends only on the key, so it is stable across runs and input order.
struct ValidationSplit {
    let fraction: Double
    let seed: UInt64

    init(fraction: Double, seed: UInt64) throws {
        guard (0 ..< 1).contains(fraction) else { throw DatasetError.badOption(name: "val-fraction", problem: "\(fraction) is not in [0, 1)") }
        self.fraction = fraction
        self.seed = seed
    }

    /// "val" or "train".
    func split(of key: String) -> String {
        // FNV-1a over the key, then a SplitMix64 finaliser with the seed.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var z = hash ^ (seed &* 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53) < fraction ? "val" : "train"
    }
}
