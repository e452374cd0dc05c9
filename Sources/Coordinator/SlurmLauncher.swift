import Foundation
import POSIXFiles

/// Runs each attempt as a Slurm job (`spd coordinator --slurm`): Slurm places it, and a preemption or node failure
/// that requeues the job resumes the same attempt from its checkpoint (`--requeue`, `--resume-if-exists`).
///
/// The job script (written to the run directory as `slurm-job.sh`) `exec`s `srun spd train ...`, so Slurm's signals
/// reach the ranks directly: `--signal=USR1@N` before the time limit, SIGTERM on `scancel`, `scontrol requeue` and
/// preemption. Each rank then checkpoints at its next step and exits 75 ("stopped, resumable"). The coordinator follows
/// jobs with `squeue` and, once a job has left the queue, `sacct` (or `scontrol show job` where accounting is off).
public final class SlurmLauncher: Launcher {
    /// What every job is submitted with besides its own ranks, directories and signal.
    public struct Settings: Equatable, Sendable {
        public var partition: String?
        public var account: String?
        /// sbatch `--time` (e.g. "24:00:00"); the partition's default when nil.
        public var timeLimit: String?
        /// Seconds before the time limit at which the ranks get SIGUSR1 to checkpoint and stop.
        public var signalSeconds = 300
        /// More sbatch options, passed as given (e.g. "--qos=long", "--constraint=avx512").
        public var extraOptions: [String] = []

        public init() {}
    }

    public let spd: String
    public let settings: Settings
    private let slurm: SlurmCommands

    public init(spd: String, settings: Settings, slurm: SlurmCommands = SlurmTools()) {
        self.spd = spd
        self.settings = settings
        self.slurm = slurm
    }

    /// Slurm places the jobs, and they outlive the coordinator.
    public var isClusterScheduler: Bool { true }

    public func launch(_ run: RunRecord, tag: String) throws -> AttemptHandle {
        let script = "\(run.spec.runDirectory)/slurm-job.sh"
        do {
            try FileManager.default.createDirectory(atPath: run.spec.runDirectory, withIntermediateDirectories: true)
            try writeAtomically(Array(jobScript(run, tag: tag).utf8), to: script)
        } catch {
            throw CoordinatorError("run \(run.name): cannot write its Slurm job script \(script): \(error)")
        }
        let output = try slurm.run(["sbatch"] + sbatchOptions(run, tag: tag) + [script])
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        let id = output.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard !id.isEmpty, id.allSatisfy({ $0.isNumber || $0 == "_" }) else {
            throw CoordinatorError("run \(run.name): sbatch printed no job id: '\(output.trimmingCharacters(in: .whitespacesAndNewlines))'")
        }
        return .slurmJob(id)
    }

    /// sbatch's options for an attempt (the job script is the last argument).
    public func sbatchOptions(_ run: RunRecord, tag: String) -> [String] {
        var options = ["--parsable", "--job-name=spd-\(run.name)", "--comment=\(tag)", "--ntasks=\(run.spec.ranks)", "--cpus-per-task=1",
                       "--requeue", "--signal=USR1@\(settings.signalSeconds)", "--chdir=\(run.spec.workdir)",
                       "--output=\(run.spec.runDirectory)/train.log", "--open-mode=append"]
        if let partition = settings.partition { options.append("--partition=\(partition)") }
        if let account = settings.account { options.append("--account=\(account)") }
        if let time = settings.timeLimit { options.append("--time=\(time)") }
        return options + settings.extraOptions
    }

    /// The job script: the attempt's environment and `exec srun spd train ... --resume-if-exists`.
    public func jobScript(_ run: RunRecord, tag: String) -> String {
        let command = LaunchCommand.trainArguments(run: run, spd: spd)
        return """
            #!/bin/bash
            # Attempt \(run.attempt) of run \(run.name), submitted by spd coordinator --slurm. A requeued job runs this again and
            # resumes from the run's newest checkpoint.
            export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \(LaunchEnvironment.tagVariable)=\(shellQuoted(tag))
            export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader,tcp
            echo "== attempt \(run.attempt), Slurm job $SLURM_JOB_ID (restart ${SLURM_RESTART_COUNT:-0}) on $SLURM_JOB_NODELIST at $(date)"
            exec srun --mpi=pmix \(command.map(shellQuoted).joined(separator: " "))

            """
    }

    public func status(of attempt: AttemptHandle) -> AttemptStatus {
        guard case let .slurmJob(id) = attempt else { return .exited(code: nil, detail: "not a Slurm job (\(attempt))") }
        let queued: String
        do { queued = try slurm.run(["squeue", "--noheader", "--jobs=\(id)", "--format=%T"]) } catch {
            // squeue refuses a job it has forgotten ("Invalid job id"); any other failure (the controller is
            // unreachable) says nothing about the job: take it as alive, the heartbeat timeout still applies.
            guard "\(error)".contains("Invalid job id") else { return .running }
            return finalStatus(id)
        }
        let state = queued.trimmingCharacters(in: .whitespacesAndNewlines)
        if state.isEmpty { return finalStatus(id) }
        return Self.liveStatus(state) ?? finalStatus(id)
    }

    /// squeue's state of a job that has not ended: nil for an ended one.
    static func liveStatus(_ state: String) -> AttemptStatus? {
        switch state {
        case "RUNNING", "COMPLETING", "CONFIGURING", "STAGE_OUT", "SIGNALING", "RESIZING": return .running
        case "PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "SUSPENDED", "RESV_DEL_HOLD", "STOPPED": return .waiting
        default: return nil
        }
    }

    /// How an ended job ended: sacct when accounting is on, else `scontrol show job` while slurmctld still holds it.
    private func finalStatus(_ id: String) -> AttemptStatus {
        if let line = try? slurm.run(["sacct", "--noheader", "--allocations", "--parsable2", "--jobs=\(id)", "--format=State,ExitCode"]),
           let status = Self.parseAccounting(line) {
            return status
        }
        if let shown = try? slurm.run(["scontrol", "--oneliner", "show", "job", id]), let status = Self.parseShowJob(shown) { return status }
        return .exited(code: nil, detail: "Slurm no longer knows job \(id)")
    }

    /// sacct's "STATE|EXIT:SIGNAL" line (the last one: a requeued job has one per run).
    static func parseAccounting(_ output: String) -> AttemptStatus? {
        guard let line = output.split(separator: "\n").last(where: { $0.contains("|") }) else { return nil }
        let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 2 else { return nil }
        return ended(state: fields[0], exitCode: fields[1])
    }

    /// `scontrol --oneliner show job` output: its JobState= and ExitCode= fields.
    static func parseShowJob(_ output: String) -> AttemptStatus? {
        var fields: [String: String] = [:]
        for word in output.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let equals = word.firstIndex(of: "=") else { continue }
            fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        guard let state = fields["JobState"], let exit = fields["ExitCode"] else { return nil }
        return liveStatus(state) ?? ended(state: state, exitCode: exit)
    }

    /// An ended job: its exit status (128 + N for a signal, as a shell reports it) and, unless it completed, Slurm's
    /// word for the end (FAILED, NODE_FAIL, TIMEOUT, CANCELLED, PREEMPTED, OUT_OF_MEMORY ...).
    private static func ended(state: String, exitCode: String) -> AttemptStatus {
        let parts = exitCode.split(separator: ":").map { Int32($0) }
        var code: Int32?
        if parts.count == 2, let status = parts[0], let signal = parts[1] { code = signal != 0 ? 128 + signal : status }
        let word = state.split(separator: " ").first.map(String.init) ?? state
        return .exited(code: code, detail: word == "COMPLETED" ? nil : "Slurm: \(word)")
    }

    public func stop(_ attempt: AttemptHandle?, tag: String, grace: Double) {
        var jobs = attempts(tagged: tag).compactMap(Self.jobID)
        if let attempt, let id = Self.jobID(attempt), !jobs.contains(id), !status(of: attempt).hasEnded { jobs.append(id) }
        guard !jobs.isEmpty else { return }
        // scancel sends SIGTERM to the job's processes (the ranks checkpoint); SIGKILL after the grace.
        cancel(jobs, signal: nil)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, jobs.contains(where: { !status(of: .slurmJob($0)).hasEnded }) { usleep(500_000) }
        let left = jobs.filter { !status(of: .slurmJob($0)).hasEnded }
        if !left.isEmpty { cancel(left, signal: "KILL") }
    }

    private func cancel(_ jobs: [String], signal: String?) {
        do { _ = try slurm.run(["scancel"] + (signal.map { ["--signal=\($0)", "--full"] } ?? []) + jobs) } catch {
            FileHandle.standardError.write(Data("spd coordinator: warning: scancel \(jobs.joined(separator: " ")): \(error)\n".utf8))
        }
    }

    public func attempts(tagged tag: String) -> [AttemptHandle] {
        guard let listing = try? slurm.run(["squeue", "--noheader", "--me", "--format=%i|%k"]) else { return [] }
        return listing.split(separator: "\n").compactMap { line in
            guard let bar = line.firstIndex(of: "|"), line[line.index(after: bar)...] == tag else { return nil }
            return .slurmJob(String(line[..<bar]))
        }
    }

    private static func jobID(_ attempt: AttemptHandle) -> String? {
        guard case let .slurmJob(id) = attempt else { return nil }
        return id
    }
}

/// A word quoted for bash: 'it'\''s'.
func shellQuoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// The Slurm command-line tools, as the Slurm launcher uses them: arguments in, standard output back.
public protocol SlurmCommands: Sendable {
    /// Runs `arguments[0]` (found on PATH) with the rest; throws with its standard error when it fails.
    func run(_ arguments: [String]) throws -> String
}

/// The real tools (sbatch, squeue, sacct, scontrol, scancel), run as child processes.
public struct SlurmTools: SlurmCommands {
    public init() {}

    public func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw CoordinatorError("\(arguments[0]): cannot run it: \(error.localizedDescription)") }
        // Error output is read on its own thread, so neither pipe can fill while the other is drained.
        let errorText = ErrorCollector(errors.fileHandleForReading)
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let complaint = errorText.wait().trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .exit ? "exit status \(process.terminationStatus)" : "signal \(process.terminationStatus)"
            throw CoordinatorError("\(arguments.joined(separator: " ")): \(how)\(complaint.isEmpty ? "" : ": \(complaint)")")
        }
        return printed
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class ErrorCollector: @unchecked Sendable {
    private var text = ""
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            done.signal()
        }
    }

    func wait() -> String {
        done.wait()
        return text
    }
}
