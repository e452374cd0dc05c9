/// One object of an example: its class and its corners in pixels of the example's image (x1, y1 top-left;
/// x2, y2 bottom-right), the `labels[:, 1:5]` xyxy rows YOLOv5's loaders carry between augmentations.
public struct LabeledBox: Sendable, Equatable {
    public var classIndex: Int
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float

    public init(classIndex: Int, x1: Float, y1: Float, x2: Float, y2: Float) {
        self.classIndex = classIndex
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }

    public var width: Float { x2 - x1 }
    public var height: Float { y2 - y1 }

    /// This box with x scaled by `scaleX` then shifted by `offsetX` (y likewise).
    func scaled(_ scaleX: Float, _ scaleY: Float, offsetX: Float = 0, offsetY: Float = 0) -> LabeledBox {
        LabeledBox(classIndex: classIndex, x1: x1 * scaleX + offsetX, y1: y1 * scaleY + offsetY,
                   x2: x2 * scaleX + offsetX, y2: y2 * scaleY + offsetY)
    }

    /// This box with its corners clipped to 0...width and 0...height.
    func clipped(width: Float, height: Float) -> LabeledBox {
        LabeledBox(classIndex: classIndex, x1: min(max(x1, 0), width), y1: min(max(y1, 0), height),
                   x2: min(max(x2, 0), width), y2: min(max(y2, 0), height))
    }
}
