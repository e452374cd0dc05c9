@testable import Distributed
import XCTest

/// The arithmetic of the shared-memory allreduce (the MPI side runs in cluster/mpi-test and `spd bench allreduce`).
final class SharedMemorySumTests: XCTestCase {
    /// Slices cover 0..<count once, in order, and inner bounds fall on 16-float (64-byte) boundaries.
    func testSlicesCoverEverythingOnCacheLineBounds() {
        for parts in 1...5 {
            for count in [0, 1, 15, 16, 17, 100, 1000, 4097] {
                var next = 0
                for part in 0..<parts {
                    let slice = SharedMemorySum.slice(part, of: parts, count: count)
                    XCTAssertEqual(slice.lowerBound, next, "part \(part) of \(parts), count \(count)")
                    if part > 0 { XCTAssertEqual(slice.lowerBound % 16 == 0 || slice.lowerBound == count, true, "part \(part) of \(parts), count \(count)") }
                    next = slice.upperBound
                }
                XCTAssertEqual(next, count, "\(parts) parts of \(count)")
            }
        }
    }

    /// The sum is ((s0 + s1) + s2) + s3, bit for bit, across block boundaries and inside a sub-range only.
    func testSumAddsSlotsInRankOrderBitForBit() {
        var random = SystemRandomNumberGenerator()
        let count = 3 * SharedMemorySum.block + 123
        for slotCount in 1...4 {
            let slots = (0..<slotCount).map { _ in (0..<count).map { _ in Float.random(in: -1e3...1e3, using: &random) * Float.random(in: 1e-6...1, using: &random) } }
            var result = [Float](repeating: .nan, count: count)
            let range = 5..<(count - 7)
            let buffers = slots.map { slot in
                let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
                _ = buffer.initialize(from: slot)
                return buffer
            }
            defer { for buffer in buffers { buffer.deallocate() } }
            let pointers = buffers.map { UnsafePointer($0.baseAddress!) }
            result.withUnsafeMutableBufferPointer { SharedMemorySum.sum(pointers, into: $0.baseAddress!, range: range) }
            for i in 0..<count {
                if range.contains(i) {
                    let expected = slots.dropFirst().reduce(slots[0][i]) { $0 + $1[i] }
                    XCTAssertEqual(result[i].bitPattern, expected.bitPattern, "element \(i) of \(slotCount) slots")
                } else {
                    XCTAssertTrue(result[i].isNaN, "element \(i) outside the range was written")
                }
            }
        }
    }
}
