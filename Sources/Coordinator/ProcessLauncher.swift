import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// glibc's posix_spawn extensions, which Swift's Glibc module does not expose (they need _GNU_SOURCE):
/// POSIX_SPAWN_SETSID (glibc 2.26) and posix_spawn_file_actions_addchdir_np (glibc 2.29), looked up at run time.
private let spawnSetSession: Int16 = 0x80
private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
private let spawnAddChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }

/// Launches attempts as real processes (posix_spawn into a new session, output appended to the run directory's
/// train.log) and inspects them through waitpid and /proc.
public final class ProcessLauncher: Launcher {
    public let spd: String
    public let mpirun: String
    /// Names that mean this machine in a hostfile (a 1-rank run there needs no mpirun).
    public let localHosts: Set<String>
    /// Pids this process spawned (and so must reap).
    private var children: Set<Int32> = []

    public init(spd: String, mpirun: String = "mpirun") {
        self.spd = spd
        self.mpirun = mpirun
        localHosts = ["localhost", "127.0.0.1", ProcessInfo.processInfo.hostName]
    }

    /// The coordinator places runs on the hostfile's slots.
    public var isClusterScheduler: Bool { false }

    public func launch(_ run: RunRecord, tag: String) throws -> AttemptHandle {
        let command = LaunchCommand(run: run, spd: spd, mpirun: mpirun, asRoot: geteuid() == 0, localHosts: localHosts)
        func fail(_ what: String, _ code: Int32) -> CoordinatorError {
            CoordinatorError("run \(run.name): \(what): \(String(cString: strerror(code)))")
        }
        do { try FileManager.default.createDirectory(atPath: run.spec.runDirectory, withIntermediateDirectories: true) } catch {
            throw CoordinatorError("run \(run.name): cannot create \(run.spec.runDirectory): \(error.localizedDescription)")
        }
        let logPath = "\(run.spec.runDirectory)/train.log"
        let log = open(logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw fail("cannot open \(logPath)", errno) }
        defer { close(log) }
        let header = "== attempt \(run.attempt) on \(run.placement.map { "\($0.host):\($0.slots)" }.joined(separator: ",")) at \(Date()): "
            + ([command.executable] + command.arguments).joined(separator: " ") + "\n"
        guard header.withCString({ write(log, $0, strlen($0)) }) >= 0 else { throw fail("cannot write \(logPath)", errno) }

        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        guard posix_spawn_file_actions_init(&actions) == 0, posix_spawnattr_init(&attributes) == 0 else { throw fail("posix_spawn setup", errno) }
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        var status = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if status == 0 { status = posix_spawn_file_actions_adddup2(&actions, log, 1) }
        if status == 0 { status = posix_spawn_file_actions_adddup2(&actions, log, 2) }
        guard let addChdir = spawnAddChdir else { throw CoordinatorError("run \(run.name): this C library has no posix_spawn_file_actions_addchdir_np (glibc 2.29 or later)") }
        if status == 0 { status = addChdir(&actions, run.spec.workdir) }
        if status == 0 { status = posix_spawnattr_setflags(&attributes, spawnSetSession) }
        guard status == 0 else { throw fail("posix_spawn setup", status) }

        var environment = ProcessInfo.processInfo.environment
        environment.merge(LaunchEnvironment.variables(tag: tag)) { _, new in new }
        let arguments = [command.executable] + command.arguments
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        status = posix_spawnp(&pid, command.executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw fail("cannot start \(command.executable)", status) }
        children.insert(pid)
        // A new session: the process group id is the pid.
        return .process(ProcessIdentity(pid: pid, processGroup: pid, startTicks: ProcessTable.startTicks(of: pid) ?? 0))
    }

    public func status(of attempt: AttemptHandle) -> AttemptStatus {
        guard case let .process(process) = attempt else { return .exited(code: nil, detail: "not a process of this machine (\(attempt))") }
        return status(of: process)
    }

    private func status(of process: ProcessIdentity) -> AttemptStatus {
        if children.contains(process.pid) {
            var status: Int32 = 0
            let result = waitpid(process.pid, &status, WNOHANG)
            if result == process.pid {
                children.remove(process.pid)
                let exited = status & 0x7f == 0
                return .exited(code: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
            if result == 0 { return .running }
            children.remove(process.pid)  // not ours after all (ECHILD): fall through to /proc
        }
        return ProcessTable.isAlive(process) ? .running : .exited(code: nil)
    }

    /// An attempt launched through mpirun gets SIGUSR1 at its mpirun, which forwards it to every rank on every host;
    /// SIGTERM would make mpirun kill its ranks itself about a second later (OpenMPI's odls_base_sigkill_timeout),
    /// before a rank in a longer step reaches the step boundary where it checkpoints. A process without mpirun (one
    /// local rank) gets SIGTERM at its process group.
    public func stop(_ attempt: AttemptHandle?, tag: String, grace: Double) {
        var targets = processes(tagged: tag)
        if case let .process(process) = attempt, status(of: process) == .running { targets.append(process) }
        let groups = Set(targets.map(\.processGroup))
        let mpiruns = Set(targets.filter(isMPIRun).map(\.pid))
        if mpiruns.isEmpty {
            for group in groups { signalGroup(group, SIGTERM) }
        } else {
            for pid in mpiruns where kill(pid, SIGUSR1) != 0 && errno != ESRCH {
                warn("cannot signal mpirun (pid \(pid)): \(String(cString: strerror(errno)))")
            }
        }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, targets.contains(where: { status(of: $0) == .running }) { usleep(100_000) }
        for group in groups { signalGroup(group, SIGKILL) }
        for straggler in processes(tagged: tag) where kill(straggler.pid, SIGKILL) != 0 && errno != ESRCH {
            warn("cannot kill pid \(straggler.pid): \(String(cString: strerror(errno)))")
        }
        while targets.contains(where: { status(of: $0) == .running }) { usleep(50_000) }
    }

    public func attempts(tagged tag: String) -> [AttemptHandle] { processes(tagged: tag).map { .process($0) } }

    /// Whether `process` is this launcher's mpirun (by its command name).
    private func isMPIRun(_ process: ProcessIdentity) -> Bool {
        ProcessTable.commandName(of: process.pid) == String(URL(fileURLWithPath: mpirun).lastPathComponent.utf8.prefix(15)) ?? mpirun
    }

    private func processes(tagged tag: String) -> [ProcessIdentity] { ProcessTable.processes(withEnvironment: "\(LaunchEnvironment.tagVariable)=\(tag)") }

    /// Signals a process group; "no such process" is fine (it has ended), anything else is reported.
    private func signalGroup(_ group: Int32, _ signal: Int32) {
        if group > 1, kill(-group, signal) != 0, errno != ESRCH {
            warn("cannot signal process group \(group): \(String(cString: strerror(errno)))")
        }
    }

    private func warn(_ message: String) {
        FileHandle.standardError.write(Data("spd coordinator: warning: \(message)\n".utf8))
    }
}
