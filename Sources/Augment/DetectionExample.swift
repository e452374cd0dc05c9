import Imaging

/// One detection example as the trainer consumes it: a square RGB image and its boxes in that image's pixels.
public struct DetectionExample: Sendable, Equatable {
    public let key: String
    /// RGB, (imageSize, imageSize, 3).
    public let image: Image
    /// Corners in `image` pixels.
    public let boxes: [LabeledBox]
    /// Validation examples only: how `image` was made from the original, to map predictions back.
    public let source: SourceGeometry?

    public init(key: String, image: Image, boxes: [LabeledBox], source: SourceGeometry? = nil) {
        self.key = key
        self.image = image
        self.boxes = boxes
        self.source = source
    }
}

/// The original size of a validation image and the letterbox that made the example's image from it. A point maps
/// forward as `x * letterbox.ratio + letterbox.padX` (y likewise) and back with Detection's `scaleBoxes(gain:
/// letterbox.ratio, padX: letterbox.padX, padY: letterbox.padY, imageWidth: width, imageHeight: height)`.
public struct SourceGeometry: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let letterbox: Letterbox

    public init(width: Int, height: Int, letterbox: Letterbox) {
        self.width = width
        self.height = height
        self.letterbox = letterbox
    }
}
