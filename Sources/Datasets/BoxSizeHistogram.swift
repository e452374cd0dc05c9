/// Boxes counted by COCO's size buckets on the box's w*h: small < 32^2 <= medium < 96^2 <= large.
public struct BoxSizeHistogram: Equatable, Sendable {
    public var small = 0
    public var medium = 0
    public var large = 0

    public init() {}

    public var total: Int { small + medium + large }

    /// Counts a box of `width` x `height` pixels.
    public mutating func add(width: Double, height: Double) {
        let area = width * height
        if area < 32 * 32 { small += 1 } else if area < 96 * 96 { medium += 1 } else { large += 1 }
    }
}
