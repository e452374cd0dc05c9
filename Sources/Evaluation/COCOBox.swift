import Detection

/// A box as COCO stores it: top-left corner, width and height, in pixels.
public struct COCOBox: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The corners of a detection as top-left corner, width and height.
    public init(_ box: DetectionBox) {
        self.init(x: Double(box.x1), y: Double(box.y1), width: Double(box.x2 - box.x1), height: Double(box.y2 - box.y1))
    }

    /// Width times height: the area pycocotools gives a detection.
    public var area: Double { width * height }

    /// The overlap pycocotools' `bbIou` computes for this detection box and a ground-truth box: intersection over
    /// union, or intersection over this box's own area when the ground truth is a crowd region.
    func overlap(withGroundTruth other: COCOBox, isCrowd: Bool) -> Double {
        let width = min(self.width + x, other.width + other.x) - max(x, other.x)
        if width <= 0 { return 0 }
        let height = min(self.height + y, other.height + other.y) - max(y, other.y)
        if height <= 0 { return 0 }
        let intersection = width * height
        return intersection / (isCrowd ? area : area + other.area - intersection)
    }
}
