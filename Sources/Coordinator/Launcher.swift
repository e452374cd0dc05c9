/// What the coordinator needs from whatever runs its attempts: `ProcessLauncher` starts processes on the hostfile's
/// hosts, `SlurmLauncher` submits Slurm jobs; tests use a fake.
public protocol Launcher: AnyObject {
    /// Whether a cluster scheduler runs the attempts: it places them (the coordinator hands it every eligible run at
    /// once, with no placement of its own), and they outlive the coordinator (which leaves them running when it stops).
    var isClusterScheduler: Bool { get }
    /// Starts attempt `run.attempt` of `run` (on `run.placement` when the coordinator places runs), with `tag` in its
    /// environment (SPD_COORDINATOR_TAG) so recovery can find it even if its handle was never recorded.
    func launch(_ run: RunRecord, tag: String) throws -> AttemptHandle
    /// Whether the attempt still runs, waits in a scheduler's queue, or has ended (with its exit code when known).
    func status(of attempt: AttemptHandle) -> AttemptStatus
    /// Stops an attempt so that it can checkpoint: a stop signal its ranks all get (SIGUSR1 through mpirun, SIGTERM to
    /// a lone process's group, or the scheduler's), then SIGKILL to whatever of it is left after `grace` seconds. Also
    /// stops every attempt carrying `tag`.
    func stop(_ attempt: AttemptHandle?, tag: String, grace: Double)
    /// Live attempts carrying `tag` (launched, but perhaps never recorded).
    func attempts(tagged tag: String) -> [AttemptHandle]
}

/// What identifies a launched attempt: a process tree the coordinator started, or a Slurm job it submitted.
public enum AttemptHandle: Codable, Equatable, Sendable, CustomStringConvertible {
    case process(ProcessIdentity)
    case slurmJob(String)

    public var description: String {
        switch self {
        case let .process(process): return "pid \(process.pid)"
        case let .slurmJob(id): return "Slurm job \(id)"
        }
    }

    // A process is stored as its own fields (the queue's format from before Slurm jobs), a job as {"slurm_job": id}.
    private enum CodingKeys: String, CodingKey { case slurmJob = "slurm_job" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let job = try container.decodeIfPresent(String.self, forKey: .slurmJob) {
            self = .slurmJob(job)
        } else {
            self = .process(try ProcessIdentity(from: decoder))
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case let .process(process): try process.encode(to: encoder)
        case let .slurmJob(id):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .slurmJob)
        }
    }
}

/// A launched attempt as seen now.
public enum AttemptStatus: Equatable, Sendable {
    case running
    /// Waiting in the cluster scheduler's queue: not started yet, or requeued after a preemption (no heartbeat is
    /// expected meanwhile).
    case waiting
    /// Ended; the exit code when known (nil: re-attached after a restart, or the scheduler forgot the job), and what
    /// the scheduler said of the end when it said something (e.g. "NODE_FAIL").
    case exited(code: Int32?, detail: String? = nil)

    public var hasEnded: Bool {
        if case .exited = self { return true }
        return false
    }
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
        let train = Self.trainArguments(run: run, spd: spd)
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

    /// `spd train EXPERIMENT --run-dir DIR --resume-if-exists --set ...`: every attempt of a run, however launched.
    public static func trainArguments(run: RunRecord, spd: String) -> [String] {
        [spd, "train", run.spec.experiment, "--run-dir", run.spec.runDirectory, "--resume-if-exists"] + run.spec.settings.flatMap { ["--set", $0] }
    }
}

/// The environment every launched process gets on top of the coordinator's.
public enum LaunchEnvironment {
    public static let tagVariable = "SPD_COORDINATOR_TAG"

    public static func variables(tag: String) -> [String: String] {
        ["OPENBLAS_NUM_THREADS": "1", tagVariable: tag]
    }
}
