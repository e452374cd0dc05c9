/// Scratch memory shared by all layers of one model replica (one rank is single-threaded, so layers take
/// turns). Each slot grows to its largest request and then stays, so steady-state steps allocate nothing.
public final class Workspace {
    /// Independent scratch regions; a caller may hold one of each at the same time.
    public enum Slot: Int, CaseIterable {
        /// im2col column tiles (and their gradients) inside a conv.
        case columns
        /// Intermediate activations or gradients inside one leaf layer's forward or backward.
        case first, second
        /// A conv backward's upstream gradient, rounded once for both its GEMMs (bf16 only).
        case gradient
    }

    private let storages = Slot.allCases.map { _ in FloatStorage() }
    /// The 16-bit (bf16) regions, one per slot, apart from the float ones: a caller may hold both.
    private let bf16Storages = Slot.allCases.map { _ in FloatStorage() }
    /// Upper bound on one im2col tile, keeping the column buffer cache-sized and memory bounded.
    public var im2colTileBytes: Int

    public init(im2colTileBytes: Int = 8 << 20) {
        self.im2colTileBytes = im2colTileBytes
    }

    /// A scratch region of at least `count` floats, valid until the next request for the same slot.
    public func scratch(_ count: Int, slot: Slot = .columns) -> UnsafeMutablePointer<Float> {
        storages[slot.rawValue].reserve(count)
        return storages[slot.rawValue].pointer
    }

    /// A scratch region of at least `count` 16-bit values (bf16 activations for the bf16 GEMMs), valid until the
    /// next request for the same slot of this kind.
    public func bf16Scratch(_ count: Int, slot: Slot = .columns) -> UnsafeMutablePointer<UInt16> {
        let storage = bf16Storages[slot.rawValue]
        storage.reserve((count + 1) / 2)
        return UnsafeMutableRawPointer(storage.pointer).bindMemory(to: UInt16.self, capacity: 2 * storage.capacity)
    }

    /// Bytes currently held.
    public var bytes: Int { (storages + bf16Storages).reduce(0) { $0 + $1.capacity * MemoryLayout<Float>.stride } }
}
