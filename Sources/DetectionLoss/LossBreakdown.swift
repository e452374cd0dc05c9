/// The result of one loss evaluation, as YOLOv5 v6.0 `ComputeLoss` returns it.
public struct LossBreakdown: Sendable, Equatable {
    /// (box + objectness + classification) * batch size: the value that is backpropagated.
    public var total: Double
    /// lbox after its gain (first of `loss_items`).
    public var box: Double
    /// lobj after its gain and level balance (second of `loss_items`).
    public var objectness: Double
    /// lcls after its gain; 0 when there is a single class (third of `loss_items`).
    public var classification: Double
    /// Number of (target, anchor, cell) matches of build_targets per level, neighbour cells included.
    public var targetsPerLevel: [Int]
}
