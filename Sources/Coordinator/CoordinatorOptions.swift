/// The daemon's policies; every one is a command-line option of `spd coordinator`.
public struct CoordinatorOptions: Sendable {
    /// A running attempt with no new event for this long is taken as hung or lost, stopped and re-queued.
    public var heartbeatTimeout: Double = 900
    /// Failures a run may have before it is marked failed for good.
    public var maxRestarts = 3
    /// Backoff before restart N: `backoff * 2^(N-1)` seconds, at most `maxBackoff`.
    public var backoff: Double = 10
    public var maxBackoff: Double = 600
    /// Failed attempts in a row after which a host leaves the pool.
    public var hostFailureLimit = 3
    /// Later runs that may start ahead of a waiting head run (see `Scheduler`).
    public var maxBypass = 4
    /// Seconds between SIGTERM and SIGKILL when stopping a run.
    public var killGrace: Double = 10

    public init() {}

    /// The wait before restart number `restart` (1-based).
    public func backoff(restart: Int) -> Double {
        min(maxBackoff, backoff * Double(1 << min(max(restart - 1, 0), 30)))
    }
}
