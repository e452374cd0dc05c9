import ArgumentParser
import Tensor

struct SystemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system",
        abstract: "The CPU, its vector extensions, the OpenBLAS core and the project's kernel variant this machine runs.",
        discussion: """
        spd runs OpenBLAS's best core for the CPU: when OpenBLAS falls back to a generic core (e.g. its SSE3 Prescott \\
        kernels on a CPU it does not know), spd re-executes itself with OPENBLAS_CORETYPE set (SkylakeX with AVX-512, \\
        Haswell with AVX2). An OPENBLAS_CORETYPE set by you is kept.
        """)

    @Flag(help: "Print only the OpenBLAS core name (for OPENBLAS_CORETYPE in scripts).") var blasCore = false

    func run() {
        print(blasCore ? BLASCore.current : BLASCore.description)
    }
}
