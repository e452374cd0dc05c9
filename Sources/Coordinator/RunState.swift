/// Where a run is in its life.
public enum RunState: String, Codable, Sendable, CaseIterable {
    case queued, starting, running, done, failed, cancelled
}
