/// Picking up after a restart of the coordinator (which may have been killed at any moment).
extension Coordinator {
    /// Rebuilds what the daemon follows from the queue: an attempt caught between `starting` and `running` (its pid
    /// may never have been recorded) is stopped by its tag and queued again without counting as a failure; a
    /// `running` attempt is followed again from its first event, and `monitor()` then finds it alive (re-attached)
    /// or ended (done, or re-queued to resume from its last valid checkpoint).
    public func recover() throws {
        for run in try queue.runs() {
            switch run.state {
            case .starting:
                launcher.stop(nil, tag: tag(run), grace: options.killGrace)
                if try queue.update(run.name, from: [.starting], attempt: run.attempt, {
                    $0.state = .queued
                    $0.process = nil
                }) != nil {
                    log("recovered \(run.name): attempt \(run.attempt) was being started; queued again")
                }
            case .running:
                attach(run)
                let alive = run.process.map { !launcher.status(of: $0).hasEnded } ?? false
                log("recovered \(run.name): attempt \(run.attempt) " + (alive ? "still alive (\(run.process!)); re-attached" : "ended meanwhile"))
            case .queued, .done, .failed, .cancelled:
                break
            }
        }
    }
}
