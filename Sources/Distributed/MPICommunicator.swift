import CMPI
import Foundation

/// Collectives over MPI_COMM_WORLD. Errors are returned (MPI_ERRORS_RETURN) and become `CommunicationError`s
/// with MPI's message; MPI is finalised at exit on every path, as mpirun requires.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public let location: String
    private let world = spd_mpi_comm_world()

    /// True when this process was started by mpirun/srun (so MPI must be used); a plain process runs alone.
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// Initialises MPI (threads: funnelled; only the main thread calls MPI).
    public init() throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            let code = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
            guard code == spd_mpi_success() else { throw CommunicationError(rank: -1, operation: "MPI_Init_thread", message: "error code \(code)") }
            atexit {
                var finalized: Int32 = 0
                MPI_Finalized(&finalized)
                if finalized == 0 { MPI_Finalize() }
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
        location = "rank \(rank) on \(String(cString: name))"
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
        try check(MPI_Allreduce(spd_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), spd_mpi_float(), spd_mpi_sum(), world), "MPI_Allreduce")
    }

    public func allreduce(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try check(MPI_Allreduce(spd_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), spd_mpi_double(), spd_mpi_sum(), world), "MPI_Allreduce")
    }

    public func startAllreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction {
        let request = MPIRequest(communicator: self)
        try check(MPI_Iallreduce(spd_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), spd_mpi_float(), spd_mpi_sum(), world, &request.handle),
                  "MPI_Iallreduce")
        return request
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        try check(MPI_Bcast(buffer.baseAddress, Int32(buffer.count), spd_mpi_byte(), Int32(root), world), "MPI_Bcast")
    }

    public func allgather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var lengths = [Int32](repeating: 0, count: size)
        var mine = Int32(bytes.count)
        try check(MPI_Allgather(&mine, 1, spd_mpi_int(), &lengths, 1, spd_mpi_int(), world), "MPI_Allgather")
        guard Set(lengths).count == 1 else {
            throw CommunicationError(rank: rank, operation: "allgather", message: "ranks sent different lengths \(lengths)")
        }
        var all = [UInt8](repeating: 0, count: bytes.count * size)
        var send = bytes
        try check(MPI_Allgather(&send, Int32(bytes.count), spd_mpi_byte(), &all, Int32(bytes.count), spd_mpi_byte(), world), "MPI_Allgather")
        return (0..<size).map { Array(all[($0 * bytes.count)..<(($0 + 1) * bytes.count)]) }
    }

    public func barrier() throws { try check(MPI_Barrier(world), "MPI_Barrier") }
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
        try communicator.check(MPI_Wait(&handle, spd_mpi_status_ignore()), "MPI_Wait")
        done = true
    }
}
