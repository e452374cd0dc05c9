import Distributed
import Foundation
import XCTest

final class InProcessGroupTests: XCTestCase {
    func testCollectives() throws {
        let group = InProcessGroup(size: 3)
        try group.run { communicator in
            let r = Float(communicator.rank)
            var floats: [Float] = [r, 2 * r, 1]
            try floats.withUnsafeMutableBufferPointer { try communicator.allreduce($0) }
            guard floats == [3, 6, 3] else { throw CommunicationError(rank: communicator.rank, operation: "test", message: "allreduce gave \(floats)") }
            var doubles: [Double] = [Double(r) + 0.5]
            try doubles.withUnsafeMutableBufferPointer { try communicator.allreduce($0) }
            guard doubles == [4.5] else { throw CommunicationError(rank: communicator.rank, operation: "test", message: "allreduce gave \(doubles)") }
            var bytes: [UInt8] = communicator.rank == 1 ? [7, 8, 9] : [0, 0, 0]
            try bytes.withUnsafeMutableBytes { try communicator.broadcast($0, root: 1) }
            guard bytes == [7, 8, 9] else { throw CommunicationError(rank: communicator.rank, operation: "test", message: "broadcast gave \(bytes)") }
            let gathered = try communicator.allgather([UInt8(communicator.rank), 42])
            guard gathered == [[0, 42], [1, 42], [2, 42]] else { throw CommunicationError(rank: communicator.rank, operation: "test", message: "allgather gave \(gathered)") }
        }
    }
}

final class GradientAllreduceTests: XCTestCase {
    /// Buckets started as backward reports progress, the rest at finish: every element ends as the sum over ranks.
    func testBucketsSumEveryElementOverlappedWithBackward() throws {
        let group = InProcessGroup(size: 3)
        try group.run { communicator in
            let count = 1000
            var gradients = (0..<count).map { Float($0 % 17) * Float(communicator.rank + 1) }
            try gradients.withUnsafeMutableBufferPointer { buffer in
                let reduction = GradientAllreduce(communicator: communicator, gradients: buffer, bucketBytes: 96 * 4)
                guard reduction.bucketCount == 11 else { throw CommunicationError(rank: communicator.rank, operation: "test", message: "buckets \(reduction.bucketCount)") }
                for ready in [50, 96, 300, 301, 700] { try reduction.gradientsReady(ready) }
                try reduction.finish()
            }
            for i in 0..<count where gradients[i] != Float(i % 17) * 6 {  // 1 + 2 + 3
                throw CommunicationError(rank: communicator.rank, operation: "test", message: "element \(i) is \(gradients[i])")
            }
        }
    }

    func testSingleRankLeavesGradientsUntouched() throws {
        var gradients: [Float] = [1, 2, 3]
        try gradients.withUnsafeMutableBufferPointer { buffer in
            let reduction = GradientAllreduce(communicator: LocalCommunicator(), gradients: buffer, bucketBytes: 4)
            try reduction.gradientsReady(3)
            try reduction.finish()
        }
        XCTAssertEqual(gradients, [1, 2, 3])
    }
}

final class ReplicaCheckTests: XCTestCase {
    func testDivergedRankIsNamed() throws {
        let group = InProcessGroup(size: 3)
        let messages = MessageBox()
        try group.run { communicator in
            var values: [Float] = [1, 2, 3]
            try values.withUnsafeBufferPointer { try ReplicaCheck.verify($0, communicator: communicator, step: 10) }
            if communicator.rank == 2 { values[1] = 2.0000002 }
            do {
                try values.withUnsafeBufferPointer { try ReplicaCheck.verify($0, communicator: communicator, step: 20) }
            } catch { messages.append("\(error)") }
        }
        XCTAssertEqual(messages.values.count, 3, "every rank must see the divergence")
        XCTAssertTrue(messages.values.contains { $0.contains("replica check at step 20") && $0.contains("rank(s) 2 differ from rank 0") }, "\(messages.values)")
    }
}

private final class MessageBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [String] = []
    func append(_ value: String) { lock.lock(); values.append(value); lock.unlock() }
}
