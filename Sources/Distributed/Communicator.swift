/// Collective operations among the ranks of a data-parallel job. `MPICommunicator` runs them over MPI,
/// `InProcessGroup` over threads of one process (tests), `LocalCommunicator` is a world of one.
public protocol Communicator: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// A short description of where this rank runs, for messages ("rank 1 on node7").
    var location: String { get }
    /// Sums `buffer` over all ranks, in place.
    func allreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Sums `buffer` over all ranks, in place.
    func allreduce(_ buffer: UnsafeMutableBufferPointer<Double>) throws
    /// Starts summing `buffer` over all ranks in place; the buffer must not be touched until the request completes.
    func startAllreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction
    /// Copies root's bytes into every rank's `buffer` (same length everywhere).
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Every rank's `bytes` (all the same length), in rank order.
    func allgather(_ bytes: [UInt8]) throws -> [[UInt8]]
    func barrier() throws
}

/// A non-blocking reduction in flight.
public protocol PendingReduction: AnyObject {
    /// Drives progress; true once complete.
    func test() throws -> Bool
    /// Blocks until complete.
    func wait() throws
}

/// A failure in a collective operation, naming the operation and the rank.
public struct CommunicationError: Error, CustomStringConvertible {
    public let rank: Int
    public let operation: String
    public let message: String
    public init(rank: Int, operation: String, message: String) {
        self.rank = rank
        self.operation = operation
        self.message = message
    }
    public var description: String { "rank \(rank): \(operation) failed: \(message)" }
}

/// A world of one process: every collective is the identity.
public final class LocalCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var location: String { "rank 0 (single process)" }
    public func allreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    public func allreduce(_ buffer: UnsafeMutableBufferPointer<Double>) throws {}
    public func startAllreduce(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction { CompletedReduction() }
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {}
    public func allgather(_ bytes: [UInt8]) throws -> [[UInt8]] { [bytes] }
    public func barrier() throws {}
}

/// A reduction that finished when it started.
final class CompletedReduction: PendingReduction {
    func test() throws -> Bool { true }
    func wait() throws {}
}
