/// What the coordinator needs from processes; `ProcessLauncher` is the real one, tests use a fake.
public protocol Launcher: AnyObject {
    /// Starts attempt `run.attempt` of `run` on `run.placement`, detached in its own process group, with `tag` in
    /// its environment (SPD_COORDINATOR_TAG) so recovery can find it even if its pid was never recorded.
    func launch(_ run: RunRecord, tag: String) throws -> ProcessIdentity
    /// Whether the process is still running; when it has ended, its exit code if this process can know it.
    func status(of process: ProcessIdentity) -> ProcessStatus
    /// Stops an attempt: SIGTERM to the process group of `process` (when it is still the process recorded: a reused
    /// pid is left alone) and of every process carrying `tag` (mpirun puts ranks in groups of their own), then
    /// SIGKILL to whatever of them is left after `grace` seconds.
    func stop(_ process: ProcessIdentity?, tag: String, grace: Double)
    /// Processes carrying `tag` (launched, but perhaps never recorded).
    func processes(tagged tag: String) -> [ProcessIdentity]
}

/// A launched process as seen now.
public enum ProcessStatus: Equatable, Sendable {
    case running
    /// Ended; the exit code when known (a child of this process), nil otherwise (re-attached after a restart).
    case exited(code: Int32?)
}

/// The command line that runs one attempt.
///
/// A 1-rank run on this machine is `spd train` itself. Anything else is mpirun with the run's placement
/// (`--host h1:2,h2:1 -np 3 --wdir DIR`, the project's `MPIRunOptions`) and `-x SPD_COORDINATOR_TAG`, unbound:
/// several mpiruns share a host and each would otherwise bind its ranks from core 0 up, piling them onto the same
/// cores; since the coordinator never places more ranks on a host than its slots, the kernel spreads the one-thread
/// ranks over the cores by itself.
public struct LaunchCommand: Equatable, Sendable {
    public var executable: String
    public var arguments: [String]

    public init(run: RunRecord, spd: String, mpirun: String, asRoot: Bool, localHosts: Set<String>) {
        let train = [spd, "train", run.spec.experiment, "--run-dir", run.spec.runDirectory, "--resume-if-exists"]
            + run.spec.settings.flatMap { ["--set", $0] }
        if run.spec.ranks == 1, run.placement.count == 1, localHosts.contains(run.placement[0].host) {
            executable = spd
            arguments = Array(train.dropFirst())
            return
        }
        let options = MPIRunOptions(ranks: run.spec.ranks, hosts: .list(run.placement), binding: .none, exported: [LaunchEnvironment.tagVariable],
                                    workdir: run.spec.workdir, asRoot: asRoot)
        executable = mpirun
        arguments = options.arguments + train
    }
}

/// The environment every launched process gets on top of the coordinator's.
public enum LaunchEnvironment {
    public static let tagVariable = "SPD_COORDINATOR_TAG"

    public static func variables(tag: String) -> [String: String] {
        ["OPENBLAS_NUM_THREADS": "1", tagVariable: tag]
    }
}
