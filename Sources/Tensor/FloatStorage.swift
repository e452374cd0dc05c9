import Foundation

/// A growable, 64-byte aligned buffer of Floats. It reallocates only when asked for more than it has, so a
/// training step that repeats the same shapes allocates nothing after the first step.
public final class FloatStorage {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 1)
        pointer = FloatStorage.allocate(self.capacity)
        pointer.initialize(repeating: 0, count: self.capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for at least `count` elements; existing contents are not preserved when it grows.
    public func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        capacity = count
        pointer = FloatStorage.allocate(count)
        pointer.initialize(repeating: 0, count: count)
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }
}

/// An activation (or activation gradient) tensor: a shape over storage it owns.
public final class Tensor {
    public private(set) var shape: TensorShape
    private let storage: FloatStorage

    public init(_ shape: TensorShape = TensorShape(n: 0, h: 0, w: 0, c: 0)) {
        self.shape = shape
        storage = FloatStorage(capacity: shape.count)
    }

    /// Convenience for tests and I/O: a tensor holding `values` (count must equal the shape's).
    public convenience init(_ shape: TensorShape, values: [Float]) {
        precondition(values.count == shape.count, "Tensor(values:) needs \(shape.count) values, got \(values.count)")
        self.init(shape)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    /// Changes the shape, growing the storage only if needed (contents undefined after growth).
    public func reshape(_ newShape: TensorShape) {
        storage.reserve(newShape.count)
        shape = newShape
    }

    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: storage.pointer, count: shape.count) }
    public var count: Int { shape.count }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: shape.count) }

    /// A copy of the elements, for tests and I/O (not for hot loops).
    public var values: [Float] { Array(buffer) }
}
