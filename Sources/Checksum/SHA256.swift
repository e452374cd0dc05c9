/// Streaming SHA-256 (FIPS 180-4).
///
///     var hasher = SHA256()
///     hasher.update(chunk1)
///     hasher.update(chunk2)
///     let digest = hasher.finalize()   // digest.hex, digest.bytes
///
/// Whole 64-byte blocks are compressed straight from the caller's buffer; only a partial
/// trailing block is copied into the hasher's fixed inline buffer. No heap allocation per update.
public struct SHA256: Sendable {
    /// The hash state H0..H7.
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    /// Bytes of an incomplete block, waiting for more input (64 bytes, inline).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    private var totalBytes: UInt64 = 0

    public static let blockSize = 64

    public init() {}

    /// Hashes `bytes` in one call.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Hashes a contiguous collection of bytes (e.g. `[UInt8]`, `ArraySlice<UInt8>`, `String.UTF8View`) in one call.
    public static func hash<Bytes: Collection>(_ bytes: Bytes) -> SHA256Digest where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Adds a collection of bytes to the message; contiguous collections are hashed without copying.
    public mutating func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if handled == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// Adds raw bytes to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var remaining = bytes.baseAddress, bytes.count > 0 else { return }
        var count = bytes.count
        totalBytes &+= UInt64(count)

        if pendingCount > 0 {
            let taken = min(Self.blockSize - pendingCount, count)
            let filled = pendingCount
            withUnsafeMutableBytes(of: &pending) { buffer in
                (buffer.baseAddress! + filled).copyMemory(from: remaining, byteCount: taken)
            }
            pendingCount += taken
            remaining += taken
            count -= taken
            guard pendingCount == Self.blockSize else { return }
            let block = pending
            withUnsafeBytes(of: block) { compress(blocks: $0.baseAddress!, count: 1) }
            pendingCount = 0
        }

        let wholeBlocks = count / Self.blockSize
        if wholeBlocks > 0 {
            compress(blocks: remaining, count: wholeBlocks)
            remaining += wholeBlocks * Self.blockSize
            count -= wholeBlocks * Self.blockSize
        }
        if count > 0 {
            withUnsafeMutableBytes(of: &pending) { buffer in
                buffer.baseAddress!.copyMemory(from: remaining, byteCount: count)
            }
            pendingCount = count
        }
    }

    /// Pads the message and returns its digest. The hasher should not be updated afterwards.
    public mutating func finalize() -> SHA256Digest {
        let messageBits = totalBytes &* 8
        // 0x80, then zeros up to 56 mod 64, then the 64-bit big-endian bit length.
        let paddingCount = (pendingCount < 56 ? 56 : 120) - pendingCount
        withUnsafeTemporaryAllocation(byteCount: 72, alignment: 8) { padding in
            padding.initializeMemory(as: UInt8.self, repeating: 0)
            padding[0] = 0x80
            padding.storeBytes(of: messageBits.bigEndian, toByteOffset: paddingCount, as: UInt64.self)
            let savedTotal = totalBytes
            update(UnsafeRawBufferPointer(rebasing: padding[0 ..< paddingCount + 8]))
            totalBytes = savedTotal
        }
        precondition(pendingCount == 0, "SHA-256 padding must end on a block boundary")
        var digest = [UInt8](repeating: 0, count: 32)
        withUnsafeBytes(of: state) { words in
            for index in 0 ..< 8 {
                let word = words.load(fromByteOffset: index * 4, as: UInt32.self)
                digest[index * 4] = UInt8(truncatingIfNeeded: word >> 24)
                digest[index * 4 + 1] = UInt8(truncatingIfNeeded: word >> 16)
                digest[index * 4 + 2] = UInt8(truncatingIfNeeded: word >> 8)
                digest[index * 4 + 3] = UInt8(truncatingIfNeeded: word)
            }
        }
        return SHA256Digest(bytes: digest)
    }

    /// Runs the compression function over `count` consecutive 64-byte blocks starting at `blocks`.
    private mutating func compress(blocks: UnsafeRawPointer, count: Int) {
        var (h0, h1, h2, h3, h4, h5, h6, h7) = state
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            sha256RoundConstants.withUnsafeBufferPointer { k in
                for blockIndex in 0 ..< count {
                    let block = blocks + blockIndex &* 64
                    for t in 0 ..< 16 {
                        schedule[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t &* 4, as: UInt32.self))
                    }
                    for t in 16 ..< 64 {
                        let w15 = schedule[t &- 15], w2 = schedule[t &- 2]
                        let s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3)
                        let s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10)
                        schedule[t] = schedule[t &- 16] &+ s0 &+ schedule[t &- 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    for t in 0 ..< 64 {
                        let sigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                        let choose = (e & f) ^ (~e & g)
                        let temp1 = h &+ sigma1 &+ choose &+ k[t] &+ schedule[t]
                        let sigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                        let majority = (a & b) ^ (a & c) ^ (b & c)
                        h = g; g = f; f = e; e = d &+ temp1
                        d = c; c = b; b = a; a = temp1 &+ sigma0 &+ majority
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
                    h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                }
            }
        }
        state = (h0, h1, h2, h3, h4, h5, h6, h7)
    }
}

@inline(__always)
private func rotr(_ value: UInt32, _ amount: UInt32) -> UInt32 {
    (value >> amount) | (value << (32 &- amount))
}

/// The round constants K0..K63: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
private let sha256RoundConstants: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
]
