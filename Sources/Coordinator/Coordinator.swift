import Foundation

/// The daemon's logic, one `tick()` at a time: follow the running attempts (`Monitor.swift`), then start what the
/// scheduler allows. State lives in the `RunQueue`; what is kept here (event offsets, last activity) is rebuilt by
/// `recover()` (`Recovery.swift`) after a restart.
public final class Coordinator {
    public let queue: RunQueue
    public let launcher: Launcher
    public let options: CoordinatorOptions
    /// Seconds since 1970 (a test clock in unit tests).
    let clock: () -> Double
    let log: (String) -> Void
    /// Attempts being followed, by run name.
    var watched: [String: Watch] = [:]

    /// A running attempt: its events and when it was last heard from (coordinator clock).
    struct Watch {
        var attempt: Int
        var events: EventLog
        var lastActivity: Double
        /// Whether this attempt wrote `done`, and the error of its `failed` event.
        var done = false
        var failure: String?
        /// The signal of its `preempted` event: it stopped at a signal after checkpointing (exit 75, resumable).
        var preemptedBy: String?
        /// Whether it was seen running (a scheduler's job seen waiting afterwards was requeued).
        var seenRunning = false
    }

    public init(queue: RunQueue, launcher: Launcher, options: CoordinatorOptions, clock: @escaping () -> Double = { Date().timeIntervalSince1970 },
                log: @escaping (String) -> Void) {
        self.queue = queue
        self.launcher = launcher
        self.options = options
        self.clock = clock
        self.log = log
    }

    /// One round: follow running attempts, then start runs.
    public func tick() throws {
        try monitor()
        try schedule()
    }

    /// The coordinator's own stop (it received SIGTERM): nothing more is launched; Slurm jobs are left to Slurm, and
    /// every other running attempt gets SIGTERM
    /// (its ranks checkpoint at their next step and exit "stopped, resumable"; SIGKILL follows after the kill grace),
    /// and a last round records their ends, which queues them to resume when a coordinator runs again.
    public func stopRunning() throws {
        if launcher.isClusterScheduler {
            log("the runs stay with the cluster's scheduler; a coordinator started on this state directory follows them again")
            return
        }
        for run in try queue.runs() where run.state == .running || run.state == .starting {
            log("stopping \(run.name) attempt \(run.attempt): it checkpoints and is queued to resume")
            launcher.stop(run.process, tag: tag(run), grace: options.killGrace)
        }
        try monitor()
    }

    /// Whether any run still waits or runs.
    public func isIdle() throws -> Bool {
        try queue.runs().allSatisfy { [.done, .failed, .cancelled].contains($0.state) }
    }

    func tag(_ run: RunRecord) -> String { run.tag(queue: queue.path) }

    // MARK: Scheduling

    private func schedule() throws {
        let runs = try queue.runs()
        let now = clock()
        let queued = runs.filter { $0.state == .queued && $0.notBefore <= now }
        guard !queued.isEmpty else { return }
        if launcher.isClusterScheduler {
            // The cluster's scheduler places and orders them.
            for run in queued { try launch(run, on: []) }
            return
        }
        let hosts = try queue.hosts()
        let active = runs.filter { $0.state == .starting || $0.state == .running }
        let poolSlots = hosts.filter { $0.disabledReason == nil }.reduce(0) { $0 + $1.slots }
        let plan = Scheduler(maxBypass: options.maxBypass).plan(queued: queued, free: Scheduler.freeSlots(hosts: hosts, active: active), poolSlots: poolSlots)
        if let head = plan.head, let run = queued.first(where: { $0.name == head.name }), run.bypassed != head.bypassed {
            try queue.update(head.name, from: [.queued], attempt: run.attempt) { $0.bypassed = head.bypassed }
        }
        for start in plan.starts {
            guard let run = queued.first(where: { $0.name == start.name }) else { continue }
            try launch(run, on: start.placement)
        }
    }

    /// Starts the next attempt: marked `starting` first (so a crash right after the spawn is found by its tag), then
    /// `running` with the process identity.
    private func launch(_ run: RunRecord, on placement: [HostSlots]) throws {
        let eventsPath = "\(run.spec.runDirectory)/events.jsonl"
        guard let starting = try queue.update(run.name, from: [.queued], attempt: run.attempt, {
            $0.state = .starting
            $0.attempt += 1
            $0.placement = placement
            $0.process = nil
            $0.eventsOffset = EventLog.size(of: eventsPath)
        }) else { return }
        let process: AttemptHandle
        do { process = try launcher.launch(starting, tag: tag(starting)) } catch {
            try attemptEnded(starting, reason: "could not start: \(error)")
            return
        }
        let now = clock()
        guard try queue.update(run.name, from: [.starting], attempt: starting.attempt, {
            $0.state = .running
            $0.process = process
            $0.launchedAt = now
        }) != nil else {
            launcher.stop(process, tag: tag(starting), grace: options.killGrace)  // cancelled meanwhile
            return
        }
        watched[run.name] = Watch(attempt: starting.attempt, events: EventLog(path: eventsPath, offset: starting.eventsOffset), lastActivity: now)
        let place = placement.isEmpty ? "" : " on " + placement.map { "\($0.host):\($0.slots)" }.joined(separator: ",")
        log("started \(run.name) attempt \(starting.attempt)\(place) (\(process))")
    }
}
