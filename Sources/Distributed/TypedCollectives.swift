import Foundation

/// Collectives on values rather than raw buffers: a fixed-size value, a variable-length byte array (its length
/// goes first), a Codable value as JSON, and a variable-length gather. Every rank must make the same calls.
extension Communicator {
    /// Root's `value` on every rank.
    public func broadcast<Value: BitwiseCopyable>(_ value: Value, root: Int) throws -> Value {
        guard size > 1 else { return value }
        var copy = value
        try withUnsafeMutableBytes(of: &copy) { try broadcast($0, root: root) }
        return copy
    }

    /// Root's `array` on every rank, whatever its length (the other ranks' `array` is ignored).
    public func broadcast<Element: BitwiseCopyable>(array: [Element], root: Int) throws -> [Element] {
        guard size > 1 else { return array }
        let count = try broadcast(UInt64(array.count), root: root)
        guard count > 0 else { return [] }
        var received = rank == root ? array : [Element](unsafeUninitializedCapacity: Int(count)) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            initialized = Int(count)
        }
        try received.withUnsafeMutableBytes { try broadcast($0, root: root) }
        return received
    }

    /// Root's `value` on every rank, sent as JSON (the other ranks pass nil).
    public func broadcast<Value: Codable>(json value: Value?, root: Int) throws -> Value {
        let encoded = try rank == root ? Array(JSONEncoder().encode(value)) : []
        return try JSONDecoder().decode(Value.self, from: Data(try broadcast(array: encoded, root: root)))
    }

    /// Every rank's `bytes`, of any length, in rank order.
    public func allgatherVariable(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard size > 1 else { return [bytes] }
        let lengths = try allgather(withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { Array($0) })
            .map { Int(UInt64(littleEndian: $0.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })) }
        let longest = lengths.max() ?? 0
        let padded = try allgather(bytes + [UInt8](repeating: 0, count: longest - bytes.count))
        return zip(padded, lengths).map { Array($0.prefix($1)) }
    }
}
