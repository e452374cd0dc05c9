/// Scratch memory shared by all layers of one model replica (one rank is single-threaded, so layers take
/// turns). Conv layers keep their im2col tiles here; it grows to the largest request and then stays.
public final class Workspace {
    private let storage = FloatStorage()
    /// Upper bound on the rows of one im2col tile, keeping the column buffer cache-sized and memory bounded.
    public var im2colTileBytes: Int

    public init(im2colTileBytes: Int = 8 << 20) {
        self.im2colTileBytes = im2colTileBytes
    }

    /// A scratch region of at least `count` floats, valid until the next call.
    public func scratch(_ count: Int) -> UnsafeMutablePointer<Float> {
        storage.reserve(count)
        return storage.pointer
    }

    /// Bytes currently held.
    public var bytes: Int { storage.capacity * MemoryLayout<Float>.stride }
}
