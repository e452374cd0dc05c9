/// What YOLOv5's loss terms are averaged over: the box and class terms over a level's matches, the objectness term
/// over a level's (image, cell, anchor) slots, and the total is multiplied by the number of images.
///
/// On one process these are the batch's own counts. Under data parallelism each rank holds part of the batch; with
/// the whole batch's counts (summed over the ranks) every rank's loss is its share of the whole batch's loss, so the
/// ranks' losses and gradients add up to exactly those of the whole batch on one process, however the images and
/// their boxes fall on the ranks.
public struct LossNormalization: Sendable, Equatable {
    /// Images in the whole batch.
    public var images: Int
    /// Matches (target, anchor, cell) per level in the whole batch, P3 first.
    public var matchesPerLevel: [Int]

    public init(images: Int, matchesPerLevel: [Int]) {
        self.images = images
        self.matchesPerLevel = matchesPerLevel
    }
}
