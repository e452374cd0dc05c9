import Foundation
/// A small, fast, seedable random generator (xoshiro256**, seeded through SplitMix64). Its whole state is
/// four words, so it can be saved in a checkpoint and restored exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    public private(set) var state: [UInt64]

    public init(seed: UInt64) {
        var s = seed
        state = (0..<4).map { _ in
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Restores a saved state.
    public init(state: [UInt64]) {
        precondition(state.count == 4, "SeededGenerator state has 4 words")
        self.state = state
    }

    public mutating func next() -> UInt64 {
        let result = ((state[1] &* 5) << 7 | (state[1] &* 5) >> 57) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = state[3] << 45 | state[3] >> 19
        return result
    }

    /// Uniform Float in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * Float(next() >> 40) * (1 / Float(1 << 24))
    }

    /// Uniform Double in [0, 1), 53 random bits.
    public mutating func unitDouble() -> Double { Double(next() >> 11) * (1 / Double(UInt64(1) << 53)) }

    /// A standard normal draw (Box-Muller).
    public mutating func normal() -> Double {
        let u = 1 - unitDouble()  // (0, 1]: the logarithm stays finite
        return (-2 * Foundation.log(u)).squareRoot() * cos(2 * Double.pi * unitDouble())
    }

    /// A Gamma(shape, 1) draw for shape >= 1 (Marsaglia and Tsang's method).
    public mutating func gamma(shape: Double) -> Double {
        precondition(shape >= 1, "gamma(shape:) needs shape >= 1, got \(shape)")
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = normal()
            let base = 1 + c * x
            guard base > 0 else { continue }
            let v = base * base * base
            let u = 1 - unitDouble()
            if Foundation.log(u) < 0.5 * x * x + d - d * v + d * Foundation.log(v) { return d * v }
        }
    }

    /// A Beta(a, b) draw for a, b >= 1, as X / (X + Y) of two Gamma draws (YOLOv5's mixup ratio is Beta(32, 32)).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a), y = gamma(shape: b)
        return x / (x + y)
    }
}
