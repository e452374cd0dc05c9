/// What `spd val` found: the task's validation outcome with the names of its losses and metrics.
public struct ValidationResult {
    public let outcome: ValidationOutcome
    public let lossNames: [String]
    public let metricNames: [String]
    /// Images in the evaluated split.
    public let images: Int
    /// The dataset's class names (for the per-class table), when it has one per class.
    public let classNames: [String]?
    /// The original COCO category id of each class, for a dataset converted from COCO (`coco_category_ids`).
    public let categoryIDs: [Int]?

    /// `name value` pairs of the metrics, then of the validation losses, on one line.
    public var summaryLine: String {
        let pairs = zip(metricNames, outcome.metrics).map { ($0, $1) } + zip(lossNames.map { "val/\($0)" }, outcome.losses).map { ($0, $1) }
        return pairs.map { "\($0) \(String(format: "%.4f", $1))" }.joined(separator: "  ")
    }
}
