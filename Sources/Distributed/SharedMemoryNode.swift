import CMPI

/// The ranks of one node and their shared window: a node-local communicator (MPI_Comm_split_type SHARED), a
/// communicator joining the ranks with the same local rank on every node, and an MPI_Win_allocate_shared window:
/// one 64-byte barrier counter per local rank, then `localSize + 1` slots of `chunkElements` floats (one input slot
/// per local rank, then the result slot). They live as long as the process; MPI_Finalize releases them.
final class SharedMemoryNode {
    let localRank: Int
    let localSize: Int
    /// Ranks with this local rank, one per node (size = the number of nodes).
    let crossSize: Int
    let chunkElements: Int
    let local: MPI_Comm?
    let cross: MPI_Comm?
    private let counters: UnsafeMutablePointer<UInt64>
    private let base: UnsafeMutablePointer<Float>
    /// UInt64s per counter: one cache line each, so ranks never write the same line.
    private static let counterStride = 8

    /// Collective over `world`; nil when sharing memory brings nothing (one rank per node) or the nodes hold
    /// different numbers of ranks (then the slices would not line up between nodes).
    static func make(world: MPI_Comm?, communicator: MPICommunicator, chunkBytes: Int) throws -> SharedMemoryNode? {
        var local: MPI_Comm? = spd_mpi_comm_null()
        try communicator.check(MPI_Comm_split_type(world, spd_mpi_comm_type_shared(), Int32(communicator.rank), spd_mpi_info_null(), &local),
                               "MPI_Comm_split_type(SHARED)")
        var localSize: Int32 = 0, localRank: Int32 = 0
        try communicator.check(MPI_Comm_size(local, &localSize), "MPI_Comm_size(node)")
        try communicator.check(MPI_Comm_rank(local, &localRank), "MPI_Comm_rank(node)")
        var extremes: [Int32] = [localSize, -localSize]
        try communicator.check(MPI_Allreduce(spd_mpi_in_place(), &extremes, 2, spd_mpi_int(), spd_mpi_max(), world), "MPI_Allreduce(ranks per node)")
        guard localSize > 1, extremes[0] == -extremes[1] else {
            try communicator.check(MPI_Comm_free(&local), "MPI_Comm_free(node)")
            return nil
        }
        var cross: MPI_Comm? = spd_mpi_comm_null()
        try communicator.check(MPI_Comm_split(world, localRank, Int32(communicator.rank), &cross), "MPI_Comm_split(across nodes)")
        return try SharedMemoryNode(local: local, cross: cross, localRank: Int(localRank), localSize: Int(localSize),
                                    chunkElements: max(chunkBytes / MemoryLayout<Float>.stride, 64), communicator: communicator)
    }

    private init(local: MPI_Comm?, cross: MPI_Comm?, localRank: Int, localSize: Int, chunkElements: Int, communicator: MPICommunicator) throws {
        self.local = local
        self.cross = cross
        self.localRank = localRank
        self.localSize = localSize
        self.chunkElements = chunkElements
        var crossSize: Int32 = 0
        try communicator.check(MPI_Comm_size(cross, &crossSize), "MPI_Comm_size(across nodes)")
        self.crossSize = Int(crossSize)
        // Local rank 0 allocates the whole window; the others map it.
        let total = localSize * Self.counterStride * MemoryLayout<UInt64>.stride + (localSize + 1) * chunkElements * MemoryLayout<Float>.stride
        let bytes = localRank == 0 ? total : 0
        var mine: UnsafeMutableRawPointer?
        var window: MPI_Win? = spd_mpi_win_null()
        try withUnsafeMutablePointer(to: &mine) { pointer in
            try communicator.check(MPI_Win_allocate_shared(MPI_Aint(bytes), Int32(MemoryLayout<Float>.stride), spd_mpi_info_null(), local, pointer, &window),
                                   "MPI_Win_allocate_shared(\(bytes) bytes)")
        }
        var size: MPI_Aint = 0, unit: Int32 = 0
        var shared: UnsafeMutableRawPointer?
        try withUnsafeMutablePointer(to: &shared) { pointer in
            try communicator.check(MPI_Win_shared_query(window, 0, &size, &unit, pointer), "MPI_Win_shared_query")
        }
        guard let shared, Int(size) == total else {
            throw CommunicationError(rank: communicator.rank, operation: "MPI_Win_shared_query", message: "the shared window has \(size) bytes")
        }
        counters = shared.bindMemory(to: UInt64.self, capacity: localSize * Self.counterStride)
        base = (shared + localSize * Self.counterStride * MemoryLayout<UInt64>.stride).bindMemory(to: Float.self, capacity: (localSize + 1) * chunkElements)
        // Touch this rank's pages now, so no reduction pays for page faults; the counters start at 0 (barrier 0).
        (base + localRank * chunkElements).initialize(repeating: 0, count: chunkElements)
        if localRank == 0 {
            (base + localSize * chunkElements).initialize(repeating: 0, count: chunkElements)
            counters.initialize(repeating: 0, count: localSize * Self.counterStride)
        }
        try communicator.check(MPI_Barrier(local), "MPI_Barrier(node, after the window)")
    }

    /// This rank has reached node barrier `number` (numbers rise by one per barrier): its writes before it are
    /// visible to every rank that sees it arrive.
    func arrive(at number: UInt64) {
        spd_atomic_store_release(counters + localRank * Self.counterStride, number)
    }

    /// Whether every local rank has reached barrier `number`; their writes before it are visible after true.
    func allArrived(at number: UInt64) -> Bool {
        (0..<localSize).allSatisfy { spd_atomic_load_acquire(counters + $0 * Self.counterStride) >= number }
    }

    /// Local rank `k`'s input slot.
    func slot(_ k: Int) -> UnsafeMutablePointer<Float> { base + k * chunkElements }

    /// The slot the summed chunk is written to.
    var result: UnsafeMutablePointer<Float> { base + localSize * chunkElements }
}
