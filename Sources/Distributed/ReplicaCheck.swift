/// Verifies that every rank holds bitwise identical parameters: a 64-bit FNV-1a hash of the arena's bit patterns
/// is gathered from every rank and compared. A mismatch is an error naming the ranks that differ from rank 0.
public enum ReplicaCheck {
    /// FNV-1a over the float bit patterns.
    public static func hash(_ values: UnsafeBufferPointer<Float>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in values {
            h ^= UInt64(value.bitPattern)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// Throws when any rank's parameters differ from rank 0's.
    public static func verify(_ values: UnsafeBufferPointer<Float>, communicator: Communicator, step: Int) throws {
        let mine = hash(values)
        let all = try communicator.allgather(withUnsafeBytes(of: mine.littleEndian) { Array($0) })
        let hashes = all.map { bytes in bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) } }
        let differing = hashes.indices.filter { hashes[$0] != hashes[0] }
        guard differing.isEmpty else {
            throw CommunicationError(rank: communicator.rank, operation: "replica check at step \(step)",
                                     message: "parameters of rank(s) \(differing.map(String.init).joined(separator: ", ")) differ from rank 0's: replicas diverged")
        }
    }
}
