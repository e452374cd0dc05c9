import KernelInterface

/// The kernel set of this module's build. Module `Kernels` is compiled for the baseline vector width (AVX2 + FMA on
/// x86-64); module `KernelsAVX512` compiles these same files (its folder holds links to them) for AVX-512. Loops are
/// plain Swift over raw pointers that the compiler vectorises for the build's width.
public enum CPUKernels: KernelSet {}

extension ActivationKind {
    /// Calls body with the activation as an inlinable function.
    @inline(__always)
    func withFunction(_ body: ((Float) -> Float) -> Void) {
        switch self {
        case .silu: body { z in z * VectorMath.sigmoid(z) }
        case .relu: body { z in z > 0 ? z : 0 }
        case .identity: body { z in z }
        }
    }
}
