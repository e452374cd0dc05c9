import Foundation

/// Following running attempts: new events, exits, heartbeats.
extension Coordinator {
    /// Follows every running attempt: an exit with a `done` event finishes the run; any other exit, or no event
    /// within the heartbeat timeout, ends the attempt (stopping its process group) and re-queues the run.
    func monitor() throws {
        let runs = try queue.runs()
        let running = Dictionary(uniqueKeysWithValues: runs.filter { $0.state == .running }.map { ($0.name, $0) })
        for (name, watch) in watched where running[name]?.attempt != watch.attempt {
            // Cancelled (or otherwise decided) by another process: make sure nothing of it keeps running.
            if let run = runs.first(where: { $0.name == name }), run.attempt == watch.attempt {
                launcher.stop(run.process, tag: tag(run), grace: options.killGrace)
            }
            watched[name] = nil
        }
        for run in running.values.sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
            guard let process = run.process else { continue }
            if watched[run.name] == nil { attach(run) }
            let now = clock()
            let status = launcher.status(of: process)
            let events = watched[run.name]!.events.readNew()
            if !events.isEmpty { watched[run.name]!.lastActivity = now }
            for event in events {
                if event.event == "done" { watched[run.name]!.done = true }
                if event.event == "failed" { watched[run.name]!.failure = event.fields["error"] as? String }
                if event.event == "preempted" { watched[run.name]!.preemptedBy = event.fields["signal"] as? String ?? "a signal" }
            }
            let watch = watched[run.name]!
            switch status {
            case let .exited(code, _) where watch.done && (code ?? 0) == 0:
                try completed(run)
            case let .exited(code, _) where watch.preemptedBy != nil && watch.failure == nil:
                try preempted(run, signal: watch.preemptedBy!, code: code)
            case let .exited(code, detail):
                let how = code.map { "exited with status \($0)" } ?? "ended while the coordinator was not watching"
                try attemptEnded(run, reason: how + (detail.map { " (\($0))" } ?? "")
                                 + (watch.failure.map { ": \($0)" } ?? (watch.done ? " after its done event" : "")))
            case .waiting:
                // In the scheduler's queue: no heartbeat is due. Seen running before, it was requeued (a preemption or
                // a node failure): the same attempt resumes from its checkpoint when the scheduler starts it again.
                if watch.seenRunning {
                    log("\(run.name) attempt \(run.attempt) (\(process)) was requeued by the scheduler\(watch.preemptedBy.map { " after stopping at \($0)" } ?? ""); it resumes when it starts again")
                    watched[run.name]!.done = false
                    watched[run.name]!.preemptedBy = nil
                    watched[run.name]!.seenRunning = false
                }
                watched[run.name]!.lastActivity = now
            case .running where now - watch.lastActivity > options.heartbeatTimeout:
                launcher.stop(process, tag: tag(run), grace: options.killGrace)
                try attemptEnded(run, reason: "no event for \(Int(now - watch.lastActivity)) s (hung, or a node was lost); stopped")
            case .running:
                watched[run.name]!.seenRunning = true
            }
        }
    }

    /// Starts following a running attempt from its first event, with a full heartbeat window from now.
    func attach(_ run: RunRecord) {
        watched[run.name] = Watch(attempt: run.attempt, events: EventLog(path: "\(run.spec.runDirectory)/events.jsonl", offset: run.eventsOffset),
                                  lastActivity: clock())
    }

    private func completed(_ run: RunRecord) throws {
        watched[run.name] = nil
        let now = clock()
        guard try queue.update(run.name, from: [.running], attempt: run.attempt, {
            $0.state = .done
            $0.finishedAt = now
            $0.process = nil
        }) != nil else { return }
        try queue.recordSuccess(hosts: run.placement.map(\.host))
        log("done \(run.name) (attempt \(run.attempt), \(run.restarts) restarts)")
    }

    /// An attempt stopped at a signal after writing its checkpoint (a scheduler's preemption, a node drain, or the
    /// coordinator's own stop): back to the queue at once, not counted as a restart nor against its hosts.
    private func preempted(_ run: RunRecord, signal: String, code: Int32?) throws {
        watched[run.name] = nil
        guard try queue.update(run.name, from: [.running], attempt: run.attempt, {
            $0.state = .queued
            $0.notBefore = clock()
            $0.process = nil
            $0.error = nil
        }) != nil else { return }
        log("\(run.name) attempt \(run.attempt) stopped by \(signal) after a checkpoint (exit \(code.map(String.init) ?? "unknown")); queued to resume")
    }

    /// An attempt failed: back to the queue after a backoff, or failed for good after `maxRestarts` restarts; the
    /// failure counts against its hosts.
    func attemptEnded(_ run: RunRecord, reason: String) throws {
        watched[run.name] = nil
        let now = clock()
        let restarts = run.restarts + 1
        let final = restarts > options.maxRestarts
        let wait = options.backoff(restart: restarts)
        guard try queue.update(run.name, from: [.starting, .running], attempt: run.attempt, {
            $0.state = final ? .failed : .queued
            $0.restarts = final ? run.restarts : restarts
            $0.notBefore = now + wait
            $0.process = nil
            $0.error = reason
            if final { $0.finishedAt = now }
        }) != nil else { return }
        log("\(run.name) attempt \(run.attempt) \(reason); " + (final ? "failed after \(run.restarts) restarts" : "restart \(restarts) in \(Int(wait)) s"))
        for host in try queue.recordFailure(hosts: run.placement.map(\.host), limit: options.hostFailureLimit, reason: "\(run.name): \(reason)") {
            log("host \(host) taken out of the pool after \(options.hostFailureLimit) failed runs in a row")
        }
    }
}
