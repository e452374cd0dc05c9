import CMPI
import Foundation

/// Collectives over MPI_COMM_WORLD. Errors are returned (MPI_ERRORS_RETURN) and become `CommunicationError`s
/// with MPI's message; MPI is finalised at exit on every path, as mpirun requires. Float sums go through the
/// shared-memory reduction where several ranks share a node (`SharedMemoryAllreduce`; SPD_ALLREDUCE=mpi turns it
/// off); SPD_WATCHDOG_SECONDS=N starts a `Watchdog`.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public let location: String
    /// This rank's host (MPI_Get_processor_name).
    public let host: String
    private let world = spd_mpi_comm_world()
    private var sharedMemory: SharedMemoryAllreduce?
    /// Whether float sums use the shared-memory reduction (when available; see `sharedMemoryAvailable`).
    public var usesSharedMemory = true
    private var watchdog: Watchdog?

    /// True when this process was started by mpirun/srun (so MPI must be used); a plain process runs alone.
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// Initialises MPI (MPI_THREAD_MULTIPLE, for the watchdog's heartbeat thread; the main thread does everything else).
    /// `sharedMemoryChunkBytes`: the slot size of the shared-memory reduction; 256 KB keeps the node's slots in cache
    /// (6-14 GB/s for 1-16 MB here, against 2-5 GB/s with 2-8 MB slots that go through DRAM).
    public init(sharedMemoryChunkBytes: Int = 256 << 10) throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            let code = MPI_Init_thread(nil, nil, spd_mpi_thread_multiple(), &provided)
            guard code == spd_mpi_success() else { throw CommunicationError(rank: -1, operation: "MPI_Init_thread", message: "error code \(code)") }
            atexit {
                var finalized: Int32 = 0
                MPI_Finalized(&finalized)
                if finalized == 0 {
                    Watchdog.stopRunning()
                    MPI_Finalize()
                }
            }
        }
        MPI_Comm_set_errhandler(world, spd_mpi_errors_return())
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(world, &rank)
        MPI_Comm_size(world, &size)
        self.rank = Int(rank)
        self.size = Int(size)
        var name = [CChar](repeating: 0, count: Int(MPI_MAX_PROCESSOR_NAME) + 1)
        var length: Int32 = 0
        MPI_Get_processor_name(&name, &length)
        host = String(decoding: name.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        location = "rank \(rank) on \(host)"
        if size > 1 && ProcessInfo.processInfo.environment["SPD_ALLREDUCE"] != "mpi",
           let node = try SharedMemoryNode.make(world: world, communicator: self, chunkBytes: sharedMemoryChunkBytes) {
            sharedMemory = SharedMemoryAllreduce(node: node, communicator: self)
        }
        if let text = ProcessInfo.processInfo.environment["SPD_WATCHDOG_SECONDS"] {
            guard let seconds = Double(text), seconds > 0 else {
                throw CommunicationError(rank: self.rank, operation: "watchdog", message: "SPD_WATCHDOG_SECONDS must be a positive number, got '\(text)'")
            }
            try startWatchdog(seconds: seconds)
        }
    }

    /// True when ranks share this node and float sums can go through shared memory.
    public var sharedMemoryAvailable: Bool { sharedMemory != nil }

    /// Float sums of at least this many bytes go through the shared-memory reduction; smaller ones through
    /// MPI_Allreduce, which is faster there (measured with `spd bench allreduce`: ours wins from 16 MB up, MPI at
    /// 1-4 MB) and overlaps small gradient buckets better.
    public var sharedMemoryMinimumBytes = 16 << 20

    /// The shared-memory reduction for a sum of `count` floats, when it is available, chosen and worth it.
    private func fastReduction(_ count: Int) -> SharedMemoryAllreduce? {
        usesSharedMemory && count * MemoryLayout<Float>.stride >= sharedMemoryMinimumBytes ? sharedMemory : nil
    }

    /// Starts the watchdog (collective: every rank, the same `seconds`); it ends the job when a peer is silent for
    /// `seconds` while this rank waits in a collective.
    public func startWatchdog(seconds: Double) throws {
        guard size > 1, watchdog == nil else { return }
        // Fixed-length names: allgather takes the same length from every rank.
        let name = Array(host.utf8.prefix(255))
        let hosts = try allgather(name + [UInt8](repeating: 0, count: 256 - name.count)).map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        watchdog = try Watchdog(seconds: seconds, rank: rank, hosts: hosts, world: world, communicator: self)
    }

    /// Runs a blocking MPI call under the watchdog's eye, as `operation`.
    func blocking<T>(_ operation: String, _ body: () throws -> T) rethrows -> T {
        watchdog?.begin(operation)
        defer { watchdog?.end() }
        return try body()
    }

    /// Ends every rank of the job (after this rank has reported its error); mpirun names the aborting rank.
    public func abort(code: Int32 = 1) -> Never {
        MPI_Abort(world, code)
        exit(code)
    }

    func check(_ code: Int32, _ operation: String) throws {
        guard code != spd_mpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(spd_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        throw CommunicationError(rank: rank, operation: operation, message: String(cString: text))
    }

    public func allreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        if let fastReduction = fastReduction(buffer.count) { return try fastReduction.start(buffer).wait() }
        try blocking("MPI_Allreduce") { try check(MPI_Allreduce(spd_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), spd_mpi_float(), spd_mpi_sum(), world), "MPI_Allreduce") }
    }

    public func allreduce(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try blocking("MPI_Allreduce") {
            try check(MPI_Allreduce(spd_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), spd_mpi_double(), spd_mpi_sum(), world), "MPI_Allreduce")
        }
    }

    public func startAllreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction {
        if let fastReduction = fastReduction(buffer.count) { return try fastReduction.start(buffer) }
        let request = MPIRequest(communicator: self)
        try check(MPI_Iallreduce(spd_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), spd_mpi_float(), spd_mpi_sum(), world, &request.handle),
                  "MPI_Iallreduce")
        return request
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        try blocking("MPI_Bcast") { try check(MPI_Bcast(buffer.baseAddress, Int32(buffer.count), spd_mpi_byte(), Int32(root), world), "MPI_Bcast") }
    }

    public func allgather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var lengths = [Int32](repeating: 0, count: size)
        var mine = Int32(bytes.count)
        try blocking("MPI_Allgather") { try check(MPI_Allgather(&mine, 1, spd_mpi_int(), &lengths, 1, spd_mpi_int(), world), "MPI_Allgather") }
        guard Set(lengths).count == 1 else {
            throw CommunicationError(rank: rank, operation: "allgather", message: "ranks sent different lengths \(lengths)")
        }
        var all = [UInt8](repeating: 0, count: bytes.count * size)
        var send = bytes
        try blocking("MPI_Allgather") {
            try check(MPI_Allgather(&send, Int32(bytes.count), spd_mpi_byte(), &all, Int32(bytes.count), spd_mpi_byte(), world), "MPI_Allgather")
        }
        return (0..<size).map { Array(all[($0 * bytes.count)..<(($0 + 1) * bytes.count)]) }
    }

    public func barrier() throws { try blocking("MPI_Barrier") { try check(MPI_Barrier(world), "MPI_Barrier") } }
}

/// A non-blocking MPI operation; MPI_Test drives OpenMPI's progress (it has no progress thread).
final class MPIRequest: PendingReduction {
    var handle: MPI_Request? = spd_mpi_request_null()
    private let communicator: MPICommunicator
    private var done = false

    init(communicator: MPICommunicator) { self.communicator = communicator }

    func test() throws -> Bool {
        guard !done else { return true }
        var flag: Int32 = 0
        try communicator.check(MPI_Test(&handle, &flag, spd_mpi_status_ignore()), "MPI_Test")
        done = flag != 0
        return done
    }

    func wait() throws {
        guard !done else { return }
        try communicator.blocking("MPI_Wait(allreduce)") { try communicator.check(MPI_Wait(&handle, spd_mpi_status_ignore()), "MPI_Wait") }
        done = true
    }
}
