/// Synchronised batch norm over a communicator: the per-channel sums are all-reduced in place.
public final class CommunicatorStatisticsReducer {
    public let communicator: Communicator
    public private(set) var failure: Error?

    public init(communicator: Communicator) { self.communicator = communicator }

    public func sumAcrossReplicas(_ values: UnsafeMutableBufferPointer<Double>) {
        guard failure == nil, communicator.size > 1 else { return }
        do { try communicator.allreduce(values) } catch { failure = error }
    }
}
