/// One detection: corners in pixels (x1, y1 top-left; x2, y2 bottom-right), confidence and class.
public struct DetectionBox: Sendable, Equatable {
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float
    public var score: Float
    public var classIndex: Int

    public init(x1: Float, y1: Float, x2: Float, y2: Float, score: Float, classIndex: Int) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
        self.score = score
        self.classIndex = classIndex
    }

    /// Intersection over union with `other`, as torchvision computes it (no +1 on widths).
    public func intersectionOverUnion(_ other: DetectionBox) -> Float {
        let width = max(min(x2, other.x2) - max(x1, other.x1), 0)
        let height = max(min(y2, other.y2) - max(y1, other.y1), 0)
        let intersection = width * height
        return intersection / ((x2 - x1) * (y2 - y1) + (other.x2 - other.x1) * (other.y2 - other.y1) - intersection)
    }
}
