/// One ground-truth box of a batch: `targets` row (image, class, x, y, w, h) of YOLOv5.
public struct DetectionTarget: Sendable, Equatable {
    /// Index of the image in the batch.
    public var image: Int
    /// Class index in 0..<classes.
    public var classIndex: Int
    /// Box centre, normalised to [0, 1] by the image width and height.
    public var x: Float
    public var y: Float
    /// Box size, normalised by the image width and height.
    public var w: Float
    public var h: Float

    public init(image: Int, classIndex: Int, x: Float, y: Float, w: Float, h: Float) {
        self.image = image
        self.classIndex = classIndex
        self.x = x
        self.y = y
        self.w = w
        self.h = h
    }

    /// Throws `DetectionLossError.invalidTarget` naming `index` when the target cannot be used.
    func validate(index: Int, batch: Int, classes: Int) throws {
        func fail(_ reason: String) -> DetectionLossError { .invalidTarget(index: index, reason: reason) }
        guard (0..<batch).contains(image) else { throw fail("image index \(image) is outside 0..<\(batch) (batch size)") }
        guard (0..<classes).contains(classIndex) else { throw fail("class index \(classIndex) is outside 0..<\(classes)") }
        guard x.isFinite && y.isFinite && w.isFinite && h.isFinite else {
            throw fail("box (x \(x), y \(y), w \(w), h \(h)) is not finite")
        }
        guard (0...1).contains(x) && (0...1).contains(y) else {
            throw fail("box centre (\(x), \(y)) is outside the normalised range [0, 1]")
        }
        guard w >= 0 && h >= 0 else { throw fail("box size (\(w), \(h)) is negative") }
    }
}
