import ArgumentParser
import Coordinator
import Training
import Foundation

/// `--state DIR`, shared by the coordinator commands, so several coordinators can coexist.
struct StateOption: ParsableArguments {
    @Option(help: "The coordinator's state directory (run queue, run directories, reports).")
    var state = "~/.spd/coordinator"

    /// The state directory and its queue; `create` makes them (the daemon, submit), otherwise they must exist.
    func open(create: Bool = false) throws -> (StateDirectory, RunQueue) {
        let directory = try StateDirectory(path: state, create: create)
        return (directory, try directory.openQueue())
    }
}

/// The spd binary itself, which launched runs execute.
private func spdExecutable() -> String { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path }

struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run the coordinator daemon: schedule queued runs on the hostfile's slots (or as Slurm jobs), watch them, restart failures.",
        discussion: """
        Runs keep going when the coordinator dies; a restarted coordinator re-attaches to them (or resumes them from their
        last valid checkpoint) and loses or duplicates none. On SIGTERM or SIGINT it launches nothing more, asks its
        runs to checkpoint and stop (SIGUSR1 to their mpirun or SIGTERM to a lone process, SIGKILL after --kill-grace), queues them to resume, and exits; the next
        coordinator on the state directory continues them. Only one coordinator may run on a state directory.

        With --slurm, each attempt is an sbatch job (srun spd train, --requeue, SIGUSR1 --slurm-signal seconds before the
        time limit) that Slurm places; a job Slurm requeues (preemption, node failure) resumes as the same attempt, a job
        that ends otherwise is resubmitted under the restart rules. Slurm jobs outlive the coordinator: on SIGTERM it
        leaves them running and the next coordinator follows them again.
        """)

    @OptionGroup var state: StateOption
    @Option(help: "OpenMPI hostfile: lines 'host slots=N' (not with --slurm).") var hostfile: String?
    @Flag(help: "Run each attempt as a Slurm job instead of on a hostfile's slots.") var slurm = false
    @Option(help: "Slurm partition for the jobs (--slurm).") var partition: String?
    @Option(help: "Slurm account for the jobs (--slurm).") var account: String?
    @Option(name: .customLong("time"), help: "Slurm time limit of each job, as sbatch --time takes it (--slurm).") var timeLimit: String?
    @Option(name: .customLong("slurm-signal"), help: "Seconds before a job's time limit at which its ranks checkpoint and stop (--slurm).")
    var slurmSignal = 300
    @Option(name: .customLong("sbatch-option"), help: "Another sbatch option for every job, e.g. --sbatch-option=--qos=long (repeatable; --slurm).")
    var sbatchOptions: [String] = []
    @Flag(help: "Recover, do one round (follow runs, start what fits) and exit.") var once = false
    @Flag(name: .customLong("until-idle"), help: "Exit when no run is queued or running.") var untilIdle = false
    @Option(help: "Seconds between rounds.") var poll = 2.0
    @Option(name: .customLong("heartbeat-timeout"), help: "Seconds without an event after which a run is stopped and restarted.")
    var heartbeatTimeout = 900.0
    @Option(name: .customLong("max-restarts"), help: "Restarts before a run is marked failed.") var maxRestarts = 3
    @Option(help: "Seconds before the first restart (doubling each time).") var backoff = 10.0
    @Option(name: .customLong("max-backoff"), help: "Longest wait before a restart, seconds.") var maxBackoff = 600.0
    @Option(name: .customLong("host-failures"), help: "Failed runs in a row after which a host leaves the pool.") var hostFailures = 3
    @Option(name: .customLong("max-bypass"), help: "Later runs that may start ahead of a waiting larger run.") var maxBypass = 4
    @Option(name: .customLong("kill-grace"), help: "Seconds between SIGTERM and SIGKILL when stopping a run.") var killGrace = 10.0
    @Option(help: "The mpirun to launch multi-rank runs with.") var mpirun = "mpirun"

    func validate() throws {
        for (name, seconds) in [("--poll", poll), ("--heartbeat-timeout", heartbeatTimeout), ("--max-backoff", maxBackoff)] {
            guard seconds.isFinite, seconds > 0, seconds <= 86_400 * 7 else { throw ValidationError("\(name) must be seconds above 0 and at most a week, got \(seconds)") }
        }
        for (name, seconds) in [("--backoff", backoff), ("--kill-grace", killGrace)] {
            guard seconds.isFinite, seconds >= 0, seconds <= 86_400 else { throw ValidationError("\(name) must be seconds from 0 to a day, got \(seconds)") }
        }
        for (name, count) in [("--max-restarts", maxRestarts), ("--host-failures", hostFailures), ("--max-bypass", maxBypass)] {
            guard (0...1000).contains(count) else { throw ValidationError("\(name) must be from 0 to 1000, got \(count)") }
        }
        if hostFailures == 0 { throw ValidationError("--host-failures must be at least 1") }
        if slurm {
            if hostfile != nil { throw ValidationError("--hostfile and --slurm exclude each other: Slurm places the jobs") }
            guard (0...86_400).contains(slurmSignal) else { throw ValidationError("--slurm-signal must be seconds from 0 to a day, got \(slurmSignal)") }
        } else {
            if hostfile == nil { throw ValidationError("give --hostfile (the hosts to run on) or --slurm (submit the runs as Slurm jobs)") }
            let slurmOnly = [("--partition", partition != nil), ("--account", account != nil), ("--time", timeLimit != nil), ("--sbatch-option", !sbatchOptions.isEmpty)]
            if let (name, _) = slurmOnly.first(where: { $0.1 }) { throw ValidationError("\(name) needs --slurm") }
        }
    }

    /// The launcher the options ask for, and the pool's description.
    private func launcher(queue: RunQueue) throws -> (Launcher, String) {
        guard slurm else {
            let hosts = try Hostfile.load(hostfile ?? "")
            try queue.setHosts(hosts)
            return (ProcessLauncher(spd: spdExecutable(), mpirun: mpirun), "slots: " + hosts.map { "\($0.host) \($0.slots)" }.joined(separator: ", "))
        }
        var settings = SlurmLauncher.Settings()
        settings.partition = partition
        settings.account = account
        settings.timeLimit = timeLimit
        settings.signalSeconds = slurmSignal
        settings.extraOptions = sbatchOptions
        return (SlurmLauncher(spd: spdExecutable(), settings: settings), "Slurm jobs" + (partition.map { " on partition \($0)" } ?? ""))
    }

    func run() throws {
        try reportingErrors {
            var options = CoordinatorOptions()
            options.heartbeatTimeout = heartbeatTimeout
            options.maxRestarts = maxRestarts
            options.backoff = backoff
            options.maxBackoff = maxBackoff
            options.hostFailureLimit = hostFailures
            options.maxBypass = maxBypass
            options.killGrace = killGrace
            let (directory, queue) = try state.open(create: true)
            let lock = try directory.lockDaemon()
            defer { close(lock) }
            let (launcher, pool) = try launcher(queue: queue)
            let coordinator = Coordinator(queue: queue, launcher: launcher, options: options) { line in
                FileHandle.standardOutput.write(Data("[\(Date())] \(line)\n".utf8))
            }
            FileHandle.standardOutput.write(Data("spd coordinator: \(directory.path), \(pool)\n".utf8))
            StopSignals.install()
            try coordinator.recover()
            repeat {
                if let signal = StopSignals.requested {
                    FileHandle.standardOutput.write(Data("[\(Date())] \(StopSignals.name(signal)): stopping\n".utf8))
                    try coordinator.stopRunning()
                    break
                }
                try coordinator.tick()
                if once { break }
                if untilIdle, try coordinator.isIdle() { break }
                usleep(UInt32(poll * 1_000_000))
            } while true
        }
    }
}

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Queue an experiment or a sweep (models x variants x seeds x overrides); prints the run names.")

    @Argument(help: "An experiment file, or a sweep file (configs/experiments/tiny-sweep.yaml shows the format).") var file: String
    @OptionGroup var state: StateOption
    @Option(name: .customLong("set"), help: "A setting for every run: key=value (repeatable).") var settings: [String] = []
    @Option(help: "Where the run directories go (default: STATE/runs).") var runs: String?

    func run() throws {
        try reportingErrors {
            let (directory, queue) = try state.open(create: true)
            let pool = try queue.hosts().reduce(0) { $0 + $1.slots }
            let cwd = FileManager.default.currentDirectoryPath
            let runsDirectory = runs.map { URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: cwd)).standardizedFileURL.path } ?? directory.runsPath
            let submission = Submission(repositoryRoot: repositoryRoot(), resolveModel: resolveModelFile, runsDirectory: runsDirectory, workdir: cwd,
                                        poolSlots: pool > 0 ? pool : nil)
            let specs = try submission.runs(of: file, extraSettings: settings)
            for record in try queue.submit(specs, now: Date().timeIntervalSince1970) { print(record.name) }
        }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show every run: state, hosts, progress, best AP, restarts.")

    @OptionGroup var state: StateOption

    func run() throws {
        try reportingErrors {
            let (_, queue) = try state.open()
            print(StatusTable.render(runs: try queue.runs(), hosts: try queue.hosts(), now: Date().timeIntervalSince1970), terminator: "")
        }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a run: it is dequeued, or stopped if it runs.")

    @Argument(help: ArgumentHelp("The run's name.", valueName: "run")) var name: String
    @OptionGroup var state: StateOption
    @Option(name: .customLong("kill-grace"), help: "Seconds between SIGTERM and SIGKILL.") var killGrace = 10.0

    func run() throws {
        try reportingErrors {
            let (_, queue) = try state.open()
            // A Slurm job is cancelled through Slurm, a process through its process group.
            let launcher: Launcher
            if case .slurmJob = try queue.run(name)?.process {
                launcher = SlurmLauncher(spd: spdExecutable(), settings: SlurmLauncher.Settings())
            } else {
                launcher = ProcessLauncher(spd: spdExecutable())
            }
            try Cancellation.cancel(name, queue: queue, launcher: launcher, grace: killGrace)
            print("cancelled \(name)")
        }
    }
}

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a run's output (every attempt), or follow it with -f.")

    @Argument(help: ArgumentHelp("The run's name.", valueName: "run")) var name: String
    @OptionGroup var state: StateOption
    @Flag(name: .shortAndLong, help: "Keep printing new output until the run is done, failed or cancelled.") var follow = false

    func run() throws {
        try reportingErrors {
            let (_, queue) = try state.open()
            guard let record = try queue.run(name) else { throw CoordinatorError("no run named '\(name)' in \(queue.path)") }
            let path = "\(record.spec.runDirectory)/train.log"
            var offset: UInt64 = 0
            func printNew() {
                guard let handle = FileHandle(forReadingAtPath: path) else { return }
                defer { try? handle.close() }
                guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else { return }
                offset += UInt64(data.count)
                FileHandle.standardOutput.write(data)
            }
            printNew()
            if !follow && offset == 0 { print("(\(name) has no output yet: \(record.state.rawValue))") }
            while follow {
                let finished = [.done, .failed, .cancelled].contains(try queue.run(name)?.state ?? .cancelled)
                printNew()
                if finished { break }
                usleep(500_000)
            }
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Compare SPD against strided per model size over a sweep's seeds; writes an SVG of AP_S against parameters.")

    @Argument(help: "The sweep's name (as `spd submit` printed it in the run names).") var sweep: String
    @OptionGroup var state: StateOption
    @Option(help: "Table format: md or csv.") var format = "md"
    @Option(help: "Where the SVG plot goes (default: STATE/reports/SWEEP-ap_s.svg).") var plot: String?

    func run() throws {
        try reportingErrors {
            guard ["md", "csv"].contains(format) else { throw CoordinatorError("--format must be md or csv, got \(format)") }
            let (directory, queue) = try state.open()
            let runs = try queue.runs().filter { $0.spec.sweep == sweep }.map(\.spec)
            guard !runs.isEmpty else { throw CoordinatorError("no sweep named '\(sweep)' in \(queue.path)") }
            var results: [String: RunResults] = [:], costs: [String: ModelCost] = [:]
            for run in runs {
                guard let result = try RunResults(directory: run.runDirectory) else { continue }
                results[run.name] = result
                costs[run.name] = try ModelCost(modelFile: resolveModelFile(result.model), classes: result.classes, imageSize: result.imageSize)
            }
            let report = Report(sweep: sweep, runs: runs, results: results, costs: costs)
            print(format == "csv" ? report.csv : report.markdown, terminator: "")
            let plotPath = plot ?? "\(directory.reportsPath)/\(sweep)-ap_s.svg"
            do {
                try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: plotPath).deletingLastPathComponent().path, withIntermediateDirectories: true)
                try Data(report.plotSVG.utf8).write(to: URL(fileURLWithPath: plotPath), options: .atomic)
            } catch { throw CoordinatorError("\(plotPath): cannot write the plot: \(error.localizedDescription)") }
            FileHandle.standardError.write(Data("plot: \(plotPath)\n".utf8))
        }
    }
}
