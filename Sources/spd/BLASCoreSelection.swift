import Foundation
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// Runs first in every `spd` process: when OpenBLAS fell back to a generic core on a CPU with AVX2 or AVX-512, sets
/// OPENBLAS_CORETYPE to the best core the CPU supports and re-executes spd once (the variable is read only when the
/// library loads, and this happens before MPI starts). An explicit OPENBLAS_CORETYPE is respected. The process that
/// switched says so in one line on stderr when its command computes with models (train, val, detect, bench, model,
/// system; the others, such as status or submit, stay quiet); its children (mpirun's ranks, the coordinator's runs)
/// inherit the choice.
enum BLASCoreSelection {
    /// For tests of the switch on a CPU whose OpenBLAS already picks a good core: the core to act as if chosen.
    static let assumedCoreVariable = "SPD_TEST_ASSUME_BLAS_CORE"
    /// The pid of the process that switched (exec keeps it), so only that process prints the line.
    private static let switchingProcessVariable = "SPD_BLAS_SWITCHED_PID"

    static func selectBestCore() {
        let environment = ProcessInfo.processInfo.environment
        if let replaced = environment[BLASCore.replacedCoreVariable] {
            if environment[switchingProcessVariable] == String(getpid()), isFirstRank(environment), computesWithModels {
                let why = BLASCore.level(of: replaced).map { $0 < .avx512 } ?? true
                    ? "below what this CPU supports (\(CPUFeatures.current.summary))" : "slower on this CPU than the AVX2 one (Zen 4 splits AVX-512)"
                FileHandle.standardError.write(Data(("spd: OpenBLAS chose its \(replaced) core, \(why); "
                    + "running with OPENBLAS_CORETYPE=\(BLASCore.current) (set OPENBLAS_CORETYPE to choose another)\n").utf8))
                unsetenv(switchingProcessVariable)
            }
            return
        }
        let selected = environment[assumedCoreVariable] ?? BLASCore.current
        guard let core = BLASCore.preferredCore(selected: selected, features: .current, explicit: environment["OPENBLAS_CORETYPE"]) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(BLASCore.replacedCoreVariable, selected, 1)
        setenv(switchingProcessVariable, String(getpid()), 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed: go on with OpenBLAS's own core, and say so.
        let reason = String(cString: strerror(errno))
        FileHandle.standardError.write(Data("spd: warning: could not re-execute with OPENBLAS_CORETYPE=\(core) (\(reason)); GEMMs run on OpenBLAS's \(selected) core\n".utf8))
        for name in ["OPENBLAS_CORETYPE", BLASCore.replacedCoreVariable, switchingProcessVariable] { unsetenv(name) }
    }

    /// The subcommands whose speed depends on the BLAS core.
    private static let computingCommands: Set<String> = ["train", "val", "detect", "bench", "model", "system"]

    private static var computesWithModels: Bool { CommandLine.arguments.dropFirst().first.map(computingCommands.contains) ?? false }

    /// True outside MPI and Slurm, and on their rank 0: the process whose line the user wants once per job.
    private static func isFirstRank(_ environment: [String: String]) -> Bool {
        let rank = environment["OMPI_COMM_WORLD_RANK"] ?? environment["PMI_RANK"] ?? environment["SLURM_PROCID"]
        return rank == nil || rank == "0"
    }
}
