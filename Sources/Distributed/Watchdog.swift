import CMPI
import Foundation
import Support

/// Ends the job when a peer falls silent while this rank waits in a collective, instead of hanging for the kernel's
/// TCP retries (about 15 minutes after a link goes down). A thread per rank sends a heartbeat to every other rank
/// a few times per `seconds` on its own communicator and notes when each peer was last heard; when this rank is
/// blocked in a collective and some peer has not been heard for `seconds`, it prints the operation and the silent
/// ranks with their hosts, and calls MPI_Abort. A slow peer that is still alive (rank 0 validating while the
/// others wait at a barrier) keeps sending heartbeats and is waited for. Needs MPI_THREAD_MULTIPLE.
public final class Watchdog: @unchecked Sendable {
    public let seconds: Double
    private let rank: Int
    private let hosts: [String]
    private let world: MPI_Comm?
    private var heartbeats: MPI_Comm? = spd_mpi_comm_null()
    private let lock = NSLock()
    private var operation: String?
    private var blockedSince = 0.0
    private var stopping = false
    private let stopped = DispatchSemaphore(value: 0)
    // Used by the watchdog thread only (and by `stop` after the thread has ended).
    private var lastHeard: [Double]
    private var receives: [MPI_Request?]
    private var sends: [MPI_Request?]
    private let inbox: UnsafeMutablePointer<UInt8>
    private let outbox: UnsafeMutablePointer<UInt8>

    nonisolated(unsafe) private static var running: Watchdog?
    private static let runningLock = NSLock()

    /// Collective over `world`: every rank starts its watchdog with the same `seconds`. `hosts[r]` names rank r's host.
    init(seconds: Double, rank: Int, hosts: [String], world: MPI_Comm?, communicator: MPICommunicator) throws {
        self.seconds = seconds
        self.rank = rank
        self.hosts = hosts
        self.world = world
        var level: Int32 = 0
        try communicator.check(MPI_Query_thread(&level), "MPI_Query_thread")
        guard level >= spd_mpi_thread_multiple() else {
            throw CommunicationError(rank: rank, operation: "watchdog", message: "MPI does not provide MPI_THREAD_MULTIPLE (level \(level))")
        }
        try communicator.check(MPI_Comm_dup(world, &heartbeats), "MPI_Comm_dup(heartbeats)")
        try communicator.check(MPI_Comm_set_errhandler(heartbeats, spd_mpi_errors_return()), "MPI_Comm_set_errhandler(heartbeats)")
        let now = monotonicSeconds()
        lastHeard = [Double](repeating: now, count: hosts.count)
        receives = [MPI_Request?](repeating: spd_mpi_request_null(), count: hosts.count)
        sends = receives
        inbox = .allocate(capacity: hosts.count)
        outbox = .allocate(capacity: hosts.count)
        inbox.initialize(repeating: 0, count: hosts.count)
        outbox.initialize(repeating: 1, count: hosts.count)
        for peer in peers { try communicator.check(receive(from: peer), "MPI_Irecv(heartbeat from rank \(peer))") }
        Watchdog.runningLock.withLock { Watchdog.running = self }
        let thread = Thread { [self] in watch() }
        thread.name = "spd-watchdog"
        thread.start()
    }

    private var peers: [Int] { hosts.indices.filter { $0 != rank } }

    /// Marks this rank as blocked in `operation` until `end()`.
    func begin(_ operation: String) {
        lock.withLock {
            self.operation = operation
            blockedSince = monotonicSeconds()
        }
    }

    func end() { lock.withLock { operation = nil } }

    /// Stops the running watchdog, if any (before MPI_Finalize).
    static func stopRunning() {
        guard let watchdog = runningLock.withLock({ running }) else { return }
        watchdog.stop()
        runningLock.withLock { running = nil }
    }

    private func stop() {
        lock.withLock { stopping = true }
        stopped.wait()
        for peer in peers {
            if receives[peer] != spd_mpi_request_null() {
                MPI_Cancel(&receives[peer])
                MPI_Wait(&receives[peer], spd_mpi_status_ignore())
            }
            if sends[peer] != spd_mpi_request_null() { MPI_Request_free(&sends[peer]) }
        }
        MPI_Comm_free(&heartbeats)
    }

    private func receive(from peer: Int) -> Int32 {
        MPI_Irecv(inbox + peer, 1, spd_mpi_byte(), Int32(peer), 0, heartbeats, &receives[peer])
    }

    /// The thread: heartbeats out, heartbeats in, and the check, a few times per `seconds`.
    private func watch() {
        let tick = min(1, seconds / 5)
        while !lock.withLock({ stopping }) {
            let now = monotonicSeconds()
            for peer in peers {
                var flag: Int32 = 0
                if receives[peer] != spd_mpi_request_null(), MPI_Test(&receives[peer], &flag, spd_mpi_status_ignore()) == spd_mpi_success(), flag != 0 {
                    lastHeard[peer] = now
                    _ = receive(from: peer)  // a failure leaves the peer unheard, and so reported as silent
                }
                flag = 1
                if sends[peer] != spd_mpi_request_null() { MPI_Test(&sends[peer], &flag, spd_mpi_status_ignore()) }
                if flag != 0 { _ = MPI_Isend(outbox + peer, 1, spd_mpi_byte(), Int32(peer), 0, heartbeats, &sends[peer]) }
            }
            check(now: now)
            Thread.sleep(forTimeInterval: tick)
        }
        stopped.signal()
    }

    /// Aborts the job when this rank is blocked and a peer has been silent for `seconds`.
    private func check(now: Double) {
        guard let (operation, since) = lock.withLock({ self.operation.map { ($0, blockedSince) } }), now - since >= seconds else { return }
        let silent = peers.filter { now - lastHeard[$0] >= seconds }
        guard !silent.isEmpty else { return }
        let names = silent.map { "rank \($0) on \(hosts[$0]) (silent for \(Int(now - lastHeard[$0])) s)" }.joined(separator: ", ")
        let message = "spd: watchdog (rank \(rank) on \(hosts[rank])): \(operation) has waited \(Int(now - since)) s; no heartbeat from \(names); "
            + "ending the job (watchdog_seconds \(seconds))\n"
        FileHandle.standardError.write(Data(message.utf8))
        MPI_Abort(world, 3)
        exit(3)
    }
}
