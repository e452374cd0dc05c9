import CBLAS
import Foundation

/// Which OpenBLAS kernel family ("core") runs the GEMMs, and the choice of a better one when OpenBLAS fell back to a
/// generic core. OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its core from cpuid when the library loads; 0.3.21
/// does not know some current CPUs (Sapphire Rapids-class Xeons) and falls back to its SSE3 "Prescott" kernels, 3-5x
/// slower than the AVX2 or AVX-512 ones. OPENBLAS_CORETYPE overrides the choice but is read only at load time, so
/// `spd` sets it and re-executes itself once (see `preferredCore`), before MPI starts.
public enum BLASCore {
    /// The vector level of an OpenBLAS core's kernels, in order.
    public enum Level: Int, Comparable, Sendable {
        case generic = 0, avx, avx2, avx512
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// The core OpenBLAS selected for this process, e.g. "Haswell", "SkylakeX", "Prescott".
    public static var current: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The vector level of core `name` (x86-64 cores of OpenBLAS 0.3.x; other names, such as arm64 cores, are nil).
    public static func level(of name: String) -> Level? {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return .avx512
        case "haswell", "zen": return .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return .avx
        case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine", "northwood", "banias",
             "opteron", "opteron_sse3", "barcelona", "bobcat", "nano", "generic": return .generic
        default: return nil
        }
    }

    /// The best core for `features`: SkylakeX with AVX-512 (its sgemm; Cooperlake adds only bf16 routines, whose
    /// 0.3.21 versions are wrong on Sapphire Rapids), except on Zen 4, where Haswell's AVX2 sgemm is faster (measured:
    /// resnet18-spd 64/32 14.7 against 13.8 images/s on Cooperlake, yolov5-spd-n 320/8 10.6-10.8 against 10.3), Haswell
    /// with AVX2 and FMA, Sandybridge with AVX; nil otherwise.
    public static func best(for features: CPUFeatures) -> String? {
        if features.splitsAVX512 { return "Haswell" }
        if features.hasAVX512 { return "SkylakeX" }
        if features.hasAVX2 { return "Haswell" }
        if features.flags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// The core to switch to, or nil to keep `selected`: a switch when OpenBLAS's own choice has a lower vector level
    /// than the CPU supports, or is an AVX-512 core on a CPU where the AVX2 one is faster (Zen 4); never against an
    /// explicit OPENBLAS_CORETYPE.
    public static func preferredCore(selected: String, features: CPUFeatures, explicit: String?) -> String? {
        guard explicit?.isEmpty ?? true, let best = best(for: features), let bestLevel = level(of: best),
              let selectedLevel = level(of: selected) else { return nil }
        if selectedLevel < bestLevel { return best }
        if features.splitsAVX512 && selectedLevel == .avx512 { return best }
        return nil
    }

    /// One line for logs and benchmark headers: CPU model and extensions, BLAS core (and how it was chosen), threads
    /// and the project's own kernel variant.
    public static var description: String {
        let features = CPUFeatures.current
        let environment = ProcessInfo.processInfo.environment
        let how: String
        if let previous = environment[Self.replacedCoreVariable] {
            how = "selected by spd: OpenBLAS chose \(previous)"
        } else if let explicit = environment["OPENBLAS_CORETYPE"], !explicit.isEmpty {
            how = "OPENBLAS_CORETYPE=\(explicit)"
        } else {
            how = "OpenBLAS's choice"
        }
        return "CPU: \(features.model) (\(features.summary)); BLAS: OpenBLAS core \(current) (\(how)), \(BLAS.threads) thread(s); kernels: \(KernelVariant.active.name)"
    }

    /// Set by `spd` when it re-executes itself with another core: the core OpenBLAS had chosen.
    public static let replacedCoreVariable = "SPD_BLAS_REPLACED_CORE"
}
