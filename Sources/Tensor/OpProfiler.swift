import Support

/// What an op's time is booked under.
public enum OpCategory: Int, CaseIterable, Sendable {
    case gemm, im2col, bf16Rounding, batchNorm, activation, layout, elementwise
    public var name: String {
        switch self {
        case .gemm: return "GEMM"
        case .im2col: return "im2col/col2im"
        case .bf16Rounding: return "bf16 rounding (conv inputs, weights)"
        case .batchNorm: return "batch norm + activation"
        case .activation: return "standalone activations"
        case .layout: return "SPD/concat/upsample/pool"
        case .elementwise: return "residual/routing"
        }
    }
}

/// Optional per-category timing of every kernel call, for `spd bench` and the training time split. Off by
/// default; when on it costs two clock reads per kernel call (a few hundred per training step). A rank is
/// single-threaded, so the counters are plain process-wide variables.
public enum OpProfiler {
    nonisolated(unsafe) public static var isEnabled = false
    nonisolated(unsafe) public private(set) static var seconds = [Double](repeating: 0, count: OpCategory.allCases.count)
    /// FLOPs of the GEMMs timed so far (2 per multiply-add).
    nonisolated(unsafe) public private(set) static var gemmFLOPs: Double = 0

    public static func reset() {
        for i in seconds.indices { seconds[i] = 0 }
        gemmFLOPs = 0
    }

    /// Seconds booked under `category` since the last reset.
    public static func seconds(_ category: OpCategory) -> Double { seconds[category.rawValue] }

    nonisolated(unsafe) private static var measuring = false

    /// Runs body, booking its time under `category` when profiling is on; a kernel called from inside another
    /// is booked under the outer one.
    @inline(__always)
    static func measure<R>(_ category: OpCategory, _ body: () -> R) -> R {
        guard isEnabled, !measuring else { return body() }
        measuring = true
        let start = monotonicSeconds()
        let result = body()
        seconds[category.rawValue] += monotonicSeconds() - start
        measuring = false
        return result
    }

    static func addGEMM(m: Int, n: Int, k: Int) {
        if isEnabled { gemmFLOPs += 2 * Double(m) * Double(n) * Double(k) }
    }
}
