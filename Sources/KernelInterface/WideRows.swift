/// Rows of several pixels for loops over few channels: a loop over 16 channels is shorter than one unrolled vector
/// body and runs scalar, so the backward passes run over `repeats` pixels at once (`width` = repeats * C >= 32
/// elements), with each per-channel vector repeated `repeats` times.
public struct WideRows: Sendable {
    public let channels: Int
    public let repeats: Int
    public var width: Int { repeats * channels }
    /// Wide rows per block of about 64 pixels (the float partial sums' span).
    public var blockRows: Int { max(1, 64 / repeats) }

    public init(channels: Int) {
        self.channels = channels
        repeats = channels >= 32 ? 1 : (32 + channels - 1) / channels
    }

    /// Floats of scratch the batch-norm backward kernels need for `c` channels (the other kernels need at most 3C).
    public static func batchNormScratchCount(channels c: Int) -> Int { max(6 * WideRows(channels: c).width, 3 * c) }

    /// `source[0..<C]` repeated to `width` floats: `source` itself for one pixel per row, else written to `scratch`.
    public func wide(_ source: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        guard repeats > 1 else { return source }
        for r in 0..<repeats { (scratch + r * channels).update(from: source, count: channels) }
        return UnsafePointer(scratch)
    }

    /// vector[C..<width] = vector[0..<C] repeated.
    public func repeatChannels(_ vector: UnsafeMutablePointer<Float>) {
        for r in stride(from: 1, to: repeats, by: 1) { (vector + r * channels).update(from: vector, count: channels) }
    }
}
