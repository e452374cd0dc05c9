import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A coordinator's state directory: queue.sqlite (the run queue), coordinator.lock (held by the running daemon),
/// runs/ (run directories unless `spd submit --runs` says otherwise) and reports/.
public struct StateDirectory: Sendable {
    public let path: String

    /// Creates the directory when needed.
    /// The state directory at `path` (`~` expanded), made when `create` (the daemon and `submit`); the commands that
    /// only read it (status, logs, report, cancel) pass false, so a mistyped path is an error instead of a new,
    /// empty state directory.
    public init(path: String, create: Bool = true) throws {
        self.path = URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL.path
        if !create {
            guard FileManager.default.fileExists(atPath: "\(self.path)/queue.sqlite") else {
                throw CoordinatorError("\(self.path): no coordinator state here (no queue.sqlite); runs are submitted with spd submit --state DIR")
            }
            return
        }
        do { try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true) } catch {
            throw CoordinatorError("\(self.path): cannot create the state directory: \(error.localizedDescription)")
        }
    }

    public var queuePath: String { "\(path)/queue.sqlite" }
    public var runsPath: String { "\(path)/runs" }
    public var reportsPath: String { "\(path)/reports" }

    public func openQueue() throws -> RunQueue { try RunQueue(path: queuePath) }

    /// Takes the daemon lock (flock, released when the process ends however it ends); a second daemon on the same
    /// state directory is an error.
    public func lockDaemon() throws -> Int32 {
        let file = "\(path)/coordinator.lock"
        let descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CoordinatorError("\(file): cannot open: \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another coordinator is running on \(path)" : String(cString: strerror(errno))
            close(descriptor)
            throw CoordinatorError("\(file): \(reason)")
        }
        return descriptor
    }
}
