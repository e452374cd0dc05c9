/// Mixes several values into one seed (SplitMix64 finaliser over each part), so streams for different
/// (seed, epoch, purpose, index) are independent.
public func deriveSeed(_ parts: UInt64...) -> UInt64 {
    var h: UInt64 = 0x243F_6A88_85A3_08D3
    for part in parts {
        h ^= part &+ 0x9E37_79B9_7F4A_7C15 &+ (h << 6) &+ (h >> 2)
        var z = h
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        h = z ^ (z >> 31)
    }
    return h
}
