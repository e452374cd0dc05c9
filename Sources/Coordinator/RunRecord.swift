import Foundation
import GRDB

/// A run to train: what `spd submit` decided (the experiment, its overrides, the rank count) and nothing that
/// changes later.
public struct RunSpec: Codable, Equatable, Sendable {
    /// Unique in a coordinator's state directory; also the run directory's name.
    public var name: String
    /// The sweep it belongs to (a single run is its own sweep).
    public var sweep: String
    /// The model size (n, s, m, l, ...) and variant (spd, strided, ...) the report groups by.
    public var size: String
    public var variant: String
    /// Model file or name under configs/models.
    public var model: String
    public var seed: Int
    /// The experiment file `spd train` reads (absolute path).
    public var experiment: String
    /// `--set key=value` overrides, in order.
    public var settings: [String]
    /// The directory `spd train` starts in (relative paths in the experiment resolve from it).
    public var workdir: String
    public var runDirectory: String
    public var ranks: Int
    public var imgsz: Int

    public init(name: String, sweep: String, size: String, variant: String, model: String, seed: Int, experiment: String,
                settings: [String], workdir: String, runDirectory: String, ranks: Int, imgsz: Int) {
        self.name = name
        self.sweep = sweep
        self.size = size
        self.variant = variant
        self.model = model
        self.seed = seed
        self.experiment = experiment
        self.settings = settings
        self.workdir = workdir
        self.runDirectory = runDirectory
        self.ranks = ranks
        self.imgsz = imgsz
    }
}

/// A live process the coordinator launched: pid, process group, and the kernel's start time of the pid (clock
/// ticks since boot, /proc/<pid>/stat field 22) so a reused pid is never mistaken for the run.
public struct ProcessIdentity: Codable, Equatable, Sendable {
    public var pid: Int32
    public var processGroup: Int32
    public var startTicks: UInt64

    public init(pid: Int32, processGroup: Int32, startTicks: UInt64) {
        self.pid = pid
        self.processGroup = processGroup
        self.startTicks = startTicks
    }
}

/// A run's row in the queue: its spec plus the state the coordinator keeps about it.
public struct RunRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runs"

    /// Submission order (FIFO).
    public var id: Int64?
    public var spec: RunSpec
    public var state: RunState
    /// Launches so far; attempt N's process carries the tag `tag(attempt: N)`.
    public var attempt: Int = 0
    /// Failures that put the run back in the queue.
    public var restarts: Int = 0
    /// Not to be started before this time (retry backoff), seconds since 1970.
    public var notBefore: Double = 0
    /// How many later runs were started ahead of this one while it waited at the head of the queue.
    public var bypassed: Int = 0
    /// Hosts and ranks per host of the current attempt.
    public var placement: [HostSlots] = []
    /// The current attempt's process or Slurm job.
    public var process: AttemptHandle?
    /// Size of the run's events.jsonl when the current attempt launched: its own events come after this offset.
    public var eventsOffset: UInt64 = 0
    public var submittedAt: Double
    public var launchedAt: Double?
    public var finishedAt: Double?
    /// Why the last attempt ended (or why the run failed).
    public var error: String?

    public init(spec: RunSpec, submittedAt: Double) {
        self.spec = spec
        self.state = .queued
        self.submittedAt = submittedAt
    }

    public var name: String { spec.name }

    /// The tag the current attempt carries in its environment: unique across state directories, runs and attempts.
    public func tag(queue: String) -> String { "\(queue):\(name):\(attempt)" }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public enum CodingKeys: String, CodingKey {
        case id, spec, state, attempt, restarts, notBefore = "not_before", bypassed, placement, process, eventsOffset = "events_offset"
        case submittedAt = "submitted_at", launchedAt = "launched_at", finishedAt = "finished_at", error
    }
}
