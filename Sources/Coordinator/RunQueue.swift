import Foundation
import GRDB

/// The run queue: one SQLite database (WAL mode) in the coordinator's state directory. Every state change is one
/// transaction that first checks the state it expects, so concurrent writers (the daemon, `spd cancel`, `spd submit`)
/// never overwrite each other's decisions.
public final class RunQueue: Sendable {
    public let path: String
    private let database: DatabasePool

    /// Opens (creating when needed) the queue at `path`.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw CoordinatorError("\(path): cannot open the run queue: \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, spec TEXT NOT NULL, state TEXT NOT NULL, attempt INTEGER NOT NULL,
                    restarts INTEGER NOT NULL, not_before REAL NOT NULL, bypassed INTEGER NOT NULL, placement TEXT NOT NULL,
                    process TEXT, events_offset INTEGER NOT NULL, submitted_at REAL NOT NULL, launched_at REAL, finished_at REAL, error TEXT);
                CREATE UNIQUE INDEX runs_name ON runs(json_extract(spec, '$.name'));
                CREATE TABLE hosts (
                    host TEXT PRIMARY KEY, slots INTEGER NOT NULL, failures INTEGER NOT NULL DEFAULT 0, disabled_reason TEXT);
                """)
        }
        return migrator
    }

    // MARK: Runs

    /// Adds runs in order, all or none; a name already in the queue is an error naming it.
    @discardableResult
    public func submit(_ specs: [RunSpec], now: Double) throws -> [RunRecord] {
        try write { db in
            try specs.map { spec in
                if try Self.fetch(spec.name, db) != nil {
                    throw CoordinatorError("run '\(spec.name)' is already in the queue (cancel it, or give the sweep another name)")
                }
                let record = RunRecord(spec: spec, submittedAt: now)
                try record.insert(db)
                return record
            }
        }
    }

    /// Every run in submission order.
    public func runs() throws -> [RunRecord] {
        try database.read { db in try RunRecord.order(Column("id")).fetchAll(db) }
    }

    /// One run by name, or nil.
    public func run(_ name: String) throws -> RunRecord? {
        try database.read { db in try Self.fetch(name, db) }
    }

    /// Applies `change` to run `name` if it is in one of `expected` states (and, when given, at `attempt`); returns
    /// the updated record, or nil when the run had moved on (someone else decided first).
    @discardableResult
    public func update(_ name: String, from expected: Set<RunState>, attempt: Int? = nil, _ change: (inout RunRecord) -> Void) throws -> RunRecord? {
        try write { db in
            guard var record = try Self.fetch(name, db), expected.contains(record.state), attempt == nil || record.attempt == attempt else { return nil }
            change(&record)
            try record.update(db)
            return record
        }
    }

    private static func fetch(_ name: String, _ db: Database) throws -> RunRecord? {
        try RunRecord.filter(sql: "json_extract(spec, '$.name') = ?", arguments: [name]).fetchOne(db)
    }

    // MARK: Hosts

    /// Makes the host table match a hostfile: new hosts join, slot counts follow the file, hosts no longer listed
    /// leave; failure counts and disabled marks of the remaining hosts are kept.
    public func setHosts(_ hosts: [HostSlots]) throws {
        try write { db in
            let names = hosts.map(\.host)
            try db.execute(sql: "DELETE FROM hosts WHERE host NOT IN (\(names.map { _ in "?" }.joined(separator: ",")))", arguments: StatementArguments(names))
            for host in hosts {
                try db.execute(sql: "INSERT INTO hosts (host, slots) VALUES (?, ?) ON CONFLICT(host) DO UPDATE SET slots = excluded.slots",
                               arguments: [host.host, host.slots])
            }
        }
    }

    /// The pool: every host with its slots, failure count and why it was taken out (nil while usable).
    public func hosts() throws -> [HostStatus] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT host, slots, failures, disabled_reason FROM hosts ORDER BY rowid").map {
                HostStatus(host: $0["host"], slots: $0["slots"], failures: $0["failures"], disabledReason: $0["disabled_reason"])
            }
        }
    }

    /// Counts a failed attempt against each host; a host reaching `limit` consecutive failures leaves the pool.
    /// Returns the hosts taken out now.
    public func recordFailure(hosts: [String], limit: Int, reason: String) throws -> [String] {
        try write { db in
            var disabled: [String] = []
            for host in hosts {
                try db.execute(sql: "UPDATE hosts SET failures = failures + 1 WHERE host = ?", arguments: [host])
                let failures = try Int.fetchOne(db, sql: "SELECT failures FROM hosts WHERE host = ? AND disabled_reason IS NULL", arguments: [host])
                if let failures, failures >= limit {
                    try db.execute(sql: "UPDATE hosts SET disabled_reason = ? WHERE host = ?",
                                   arguments: ["\(failures) failed runs in a row, the last: \(reason)", host])
                    disabled.append(host)
                }
            }
            return disabled
        }
    }

    /// A run finished on these hosts: their consecutive-failure counts start again.
    public func recordSuccess(hosts: [String]) throws {
        try write { db in
            for host in hosts { try db.execute(sql: "UPDATE hosts SET failures = 0 WHERE host = ?", arguments: [host]) }
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch let error as CoordinatorError { throw error } catch {
            throw CoordinatorError("\(path): \(error)")
        }
    }
}

/// A host of the pool as the queue records it.
public struct HostStatus: Equatable, Sendable {
    public var host: String
    public var slots: Int
    public var failures: Int
    public var disabledReason: String?
}
