@_exported import KernelInterface
import Foundation
import Kernels
import KernelsAVX512

/// The build of the project's own kernels (`KernelSet`: BN + activations, im2col, SPD and layout, pooling, the
/// optimizers) this process runs, picked once from the CPU's features: the AVX-512 build where the CPU has AVX-512
/// (F, CD, BW, DQ, VL), else the baseline build (AVX2 + FMA on x86-64). SPD_KERNELS=baseline forces the baseline
/// (e.g. to measure what AVX-512 gains); SPD_KERNELS=avx512 on a CPU without it is refused with a warning.
public enum KernelVariant: String, Sendable, CaseIterable {
    case baseline, avx512

    /// The variant in use.
    public static let active: KernelVariant = choose(requested: ProcessInfo.processInfo.environment["SPD_KERNELS"], features: .current)

    /// The kernels of the variant in use.
    public static let kernels: any KernelSet.Type = active.kernels

    /// The kernels of this variant (callable only where `isSupported`).
    public var kernels: any KernelSet.Type {
        switch self {
        case .baseline: return Kernels.CPUKernels.self
        case .avx512: return KernelsAVX512.CPUKernels.self
        }
    }

    /// True when this CPU can run the variant.
    public func isSupported(on features: CPUFeatures) -> Bool {
        switch self {
        case .baseline: return true
        case .avx512:
            #if arch(x86_64)
            return features.hasAVX512
            #else
            return false
            #endif
        }
    }

    /// For logs and headers: "AVX-512", "AVX2" (the x86-64 baseline build) or "baseline".
    public var name: String {
        switch self {
        case .avx512: return "AVX-512"
        case .baseline:
            #if arch(x86_64)
            return "AVX2"
            #else
            return "baseline"
            #endif
        }
    }

    /// The variant for `features`, or the one `requested` (SPD_KERNELS) when the CPU supports it.
    public static func choose(requested: String?, features: CPUFeatures) -> KernelVariant {
        let best: KernelVariant = KernelVariant.avx512.isSupported(on: features) ? .avx512 : .baseline
        guard let requested, !requested.isEmpty else { return best }
        guard let variant = KernelVariant(rawValue: requested.lowercased()) else {
            FileHandle.standardError.write(Data("spd: warning: SPD_KERNELS=\(requested) is not baseline or avx512; using \(best.name)\n".utf8))
            return best
        }
        guard variant.isSupported(on: features) else {
            FileHandle.standardError.write(Data("spd: warning: SPD_KERNELS=\(requested): this CPU lacks AVX-512; using \(best.name)\n".utf8))
            return best
        }
        return variant
    }
}
