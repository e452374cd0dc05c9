import Distributed
import Tensor
import Support

/// `spd bench allreduce`, run under mpirun: float sums over every rank from 4 KB to 100 MB, OpenMPI's MPI_Allreduce
/// (in place) beside ours (a shared-memory reduction on each node, MPI between nodes). It reports the median time
/// and the algorithm bandwidth (bytes / time), checks that every element is the exact sum and that every rank holds
/// the same bits, and measures how much of the largest reduction hides behind GEMMs with `test()` between them,
/// as the GradientAllreduce uses it during backward.
public struct AllreduceBenchmark {
    public var sizes: [Int]
    public var repeats: Int
    /// GEMMs (256 x 400 x 2304, about 7 ms each) in the overlap measurement.
    public var gemms: Int

    public static let defaultSizes = [4 << 10, 64 << 10, 1 << 20, 4 << 20, 16 << 20, 32 << 20, 64 << 20, 100 << 20]

    public init(sizes: [Int] = AllreduceBenchmark.defaultSizes, repeats: Int = 10, gemms: Int = 16) {
        self.sizes = sizes
        self.repeats = repeats
        self.gemms = gemms
    }

    public func run(communicator: MPICommunicator, print output: (String) -> Void) throws {
        let leader = communicator.rank == 0
        func print(_ line: String) { if leader { output(line) } }
        guard communicator.size > 1 else { throw CommunicationError(rank: 0, operation: "bench allreduce", message: "run it under mpirun with 2 or more ranks") }
        let ours = communicator.sharedMemoryAvailable ? "shared memory + MPI between nodes" : "MPI (no node has 2 ranks)"
        print("\(communicator.size) ranks; ours: \(ours); median of \(repeats); GB/s = bytes / time (algorithm bandwidth)")
        var table = TextTable(["size", "MPI ms", "MPI GB/s", "ours ms", "ours GB/s", "speed-up", "sums exact, ranks equal"])
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: (sizes.max() ?? 0) / 4)
        defer { buffer.deallocate() }
        // Measure the shared-memory reduction at every size (training uses it from sharedMemoryMinimumBytes up).
        let threshold = communicator.sharedMemoryMinimumBytes
        communicator.sharedMemoryMinimumBytes = 0
        defer { communicator.sharedMemoryMinimumBytes = threshold }
        for bytes in sizes {
            let slice = UnsafeMutableBufferPointer(rebasing: buffer[0..<(bytes / 4)])
            communicator.usesSharedMemory = false
            let mpi = try median(slice, communicator)
            communicator.usesSharedMemory = true
            let fast = try median(slice, communicator)
            table.add([Self.label(bytes), fixed(1000 * mpi, 3), fixed(Double(bytes) / mpi / 1e9, 2), fixed(1000 * fast, 3),
                       fixed(Double(bytes) / fast / 1e9, 2), fixed(mpi / fast, 2) + "x", "yes"])
        }
        print(table.rendered)
        print("training sends float sums of \(Self.label(threshold)) and more through ours, smaller ones through MPI_Allreduce")
        let largest = UnsafeMutableBufferPointer(rebasing: buffer[0..<((sizes.max() ?? 0) / 4)])
        for shared in [false, true] {
            communicator.usesSharedMemory = shared
            let (alone, compute, together) = try overlap(largest, communicator)
            print("overlap, \(shared ? "ours" : "MPI_Iallreduce"), \(Self.label(largest.count * 4)) with \(gemms) GEMMs and test() after each: allreduce alone "
                  + "\(fixed(1000 * alone)) ms, GEMMs alone \(fixed(1000 * compute)) ms, together \(fixed(1000 * together)) ms: "
                  + "\(fixed(100 * (alone + compute - together) / alone, 0))% of the allreduce hidden")
        }
    }

    /// Median seconds of `repeats` reductions; each result is checked against the exact sum and across ranks.
    private func median(_ buffer: UnsafeMutableBufferPointer<Float>, _ communicator: MPICommunicator) throws -> Double {
        var times: [Double] = []
        for _ in 0..<repeats {
            Self.fill(buffer, rank: communicator.rank)
            try communicator.barrier()
            let start = monotonicSeconds()
            try communicator.allreduce(buffer)
            times.append(monotonicSeconds() - start)
            try Self.verify(buffer, communicator)
        }
        return times.sorted()[times.count / 2]
    }

    /// Seconds of the reduction alone, the GEMMs alone, and both with `test()` after every GEMM.
    private func overlap(_ buffer: UnsafeMutableBufferPointer<Float>, _ communicator: MPICommunicator) throws -> (Double, Double, Double) {
        let (m, n, k) = (256, 400, 2304)
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        func gemm() {
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                BLAS.gemm(transA: false, transB: false, m: m, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n, beta: 0, c: c.baseAddress!, ldc: n)
            } } }
        }
        func timed(_ body: () throws -> Void) throws -> Double {
            Self.fill(buffer, rank: communicator.rank)
            try communicator.barrier()
            let start = monotonicSeconds()
            try body()
            return monotonicSeconds() - start
        }
        var alone = Double.infinity, compute = Double.infinity, together = Double.infinity
        for _ in 0..<3 {
            alone = min(alone, try timed { try communicator.allreduce(buffer) })
            compute = min(compute, try timed { for _ in 0..<gemms { gemm() } })
            together = min(together, try timed {
                let pending = try communicator.startAllreduce(buffer)
                for _ in 0..<gemms {
                    gemm()
                    _ = try pending.test()
                }
                try pending.wait()
            })
            try Self.verify(buffer, communicator)
        }
        return (alone, compute, together)
    }

    /// Small integers, so every sum is exact in float: element i of rank r is (i + 7r) mod 1024.
    private static func fill(_ buffer: UnsafeMutableBufferPointer<Float>, rank: Int) {
        for i in buffer.indices { buffer[i] = Float((i &+ 7 &* rank) & 1023) }
    }

    /// Throws unless every element is the exact sum over the ranks and every rank holds the same bits.
    private static func verify(_ buffer: UnsafeMutableBufferPointer<Float>, _ communicator: MPICommunicator) throws {
        for i in buffer.indices {
            let expected = (0..<communicator.size).reduce(0) { $0 + ((i &+ 7 &* $1) & 1023) }
            guard buffer[i] == Float(expected) else {
                throw CommunicationError(rank: communicator.rank, operation: "bench allreduce", message: "element \(i) of \(buffer.count) is \(buffer[i]), expected \(expected)")
            }
        }
        try ReplicaCheck.verify(UnsafeBufferPointer(buffer), communicator: communicator, step: 0)
    }

    private static func label(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MB" : "\(bytes >> 10) KB"
    }
}
