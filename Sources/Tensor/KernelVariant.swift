/// The build of the project's own kernels (BN + activations, im2col, SPD, pooling, the optimizer) this process runs.
public enum KernelVariant: String, Sendable {
    case avx2 = "AVX2", avx512 = "AVX-512", portable = "portable"

    /// The variant in use.
    public static let active: KernelVariant = {
        #if arch(x86_64)
        return .avx2
        #else
        return .portable
        #endif
    }()

    public var name: String { rawValue }
}
