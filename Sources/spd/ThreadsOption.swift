import ArgumentParser
import Tensor

/// `--threads N`, shared by the commands that compute: OpenBLAS threads of this process (of each rank under
/// mpirun), from 1 to the most the OpenBLAS build supports.
struct ThreadsOption: ParsableArguments {
    @Option(help: "OpenBLAS threads (per rank under mpirun).") var threads = 1

    func validate() throws {
        guard (1...BLAS.maximumThreads).contains(threads) else {
            throw ValidationError("--threads must be from 1 to \(BLAS.maximumThreads) (this OpenBLAS build's MAX_THREADS), got \(threads)")
        }
    }

    /// Sets OpenBLAS's thread count.
    func apply() { BLAS.setThreads(threads) }
}
