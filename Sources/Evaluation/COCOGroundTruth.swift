/// One ground-truth object of a COCO instances file.
public struct COCOAnnotation: Sendable, Equatable {
    /// The annotation id. As in pycocotools, a detection matched to an annotation whose id is 0 counts as unmatched
    /// (pycocotools records matches by id, 0 meaning none), so in-memory ground truth should number from 1.
    public var id: Int
    public var imageID: Int
    public var categoryID: Int
    public var box: COCOBox
    /// The area that decides the size bucket (small, medium, large): the file's `area` field, trusted as
    /// pycocotools trusts it, even where it disagrees with the box.
    public var area: Double
    /// A crowd region: never counted as a miss, and it absorbs any number of detections that fall inside it.
    public var isCrowd: Bool

    public init(id: Int, imageID: Int, categoryID: Int, box: COCOBox, area: Double, isCrowd: Bool = false) {
        self.id = id
        self.imageID = imageID
        self.categoryID = categoryID
        self.box = box
        self.area = area
        self.isCrowd = isCrowd
    }
}

/// The ground truth of a COCO evaluation: every evaluated image (with or without objects), the categories, the objects.
/// Annotations whose image or category is not listed are left out, as pycocotools leaves them out.
public struct COCOGroundTruth: Sendable {
    public var imageIDs: [Int]
    public var categoryIDs: [Int]
    public var annotations: [COCOAnnotation]

    public init(imageIDs: [Int], categoryIDs: [Int], annotations: [COCOAnnotation]) {
        self.imageIDs = imageIDs
        self.categoryIDs = categoryIDs
        self.annotations = annotations
    }
}
