import Detection

/// One scored detection, as a COCO results file lists it.
public struct COCODetection: Sendable, Equatable {
    public var imageID: Int
    public var categoryID: Int
    public var box: COCOBox
    public var score: Double

    public init(imageID: Int, categoryID: Int, box: COCOBox, score: Double) {
        self.imageID = imageID
        self.categoryID = categoryID
        self.box = box
        self.score = score
    }

    /// A detection from non-max suppression; `categoryID` is the dataset's id for `box.classIndex`.
    public init(imageID: Int, categoryID: Int, box: DetectionBox) {
        self.init(imageID: imageID, categoryID: categoryID, box: COCOBox(box), score: Double(box.score))
    }
}
