import Foundation

/// `spd cancel`: works with or without a daemon running.
public enum Cancellation {
    /// Marks `name` cancelled (one transaction, so the daemon will neither start nor restart it), then stops its
    /// process group if it has one. A daemon that is starting it right now stops what it started.
    public static func cancel(_ name: String, queue: RunQueue, launcher: Launcher, grace: Double) throws {
        guard let run = try queue.run(name) else { throw CoordinatorError("no run named '\(name)' in \(queue.path)") }
        guard let cancelled = try queue.update(name, from: [.queued, .starting, .running], {
            $0.state = .cancelled
            $0.finishedAt = Date().timeIntervalSince1970
        }) else { throw CoordinatorError("run '\(name)' is already \(run.state.rawValue)") }
        launcher.stop(cancelled.process, tag: cancelled.tag(queue: queue.path), grace: grace)
    }
}
