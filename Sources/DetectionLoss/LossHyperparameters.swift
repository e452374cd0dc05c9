/// The hyperparameters of YOLOv5 v6.0 `ComputeLoss` (the names in comments are the hyp.yaml keys).
public struct LossHyperparameters: Sendable, Equatable {
    /// Box (CIoU) loss gain (`box`).
    public var box: Double
    /// Objectness loss gain (`obj`).
    public var obj: Double
    /// Classification loss gain (`cls`).
    public var cls: Double
    /// BCE positive weight of the class logits (`cls_pw`).
    public var clsPositiveWeight: Double
    /// BCE positive weight of the objectness logits (`obj_pw`).
    public var objPositiveWeight: Double
    /// A target matches an anchor when max(r, 1/r) < anchorThreshold for both w and h ratios (`anchor_t`).
    public var anchorThreshold: Float
    /// Class label smoothing eps: targets 1 - eps/2 and eps/2 (`label_smoothing`).
    public var labelSmoothing: Double
    /// Focal loss gamma (`fl_gamma`); 0 means plain BCE, > 0 wraps both criteria in v6.0 `FocalLoss` (alpha 0.25).
    public var focalGamma: Double
    /// Objectness weight of each level, P3 first. v6.0 uses [4.0, 1.0, 0.4] for three levels
    /// and [4.0, 1.0, 0.25, 0.06, 0.02] otherwise.
    public var balance: [Double]

    /// The defaults are hyp.scratch of v6.0, before `scaledForTraining`.
    public init(box: Double = 0.05, obj: Double = 1.0, cls: Double = 0.5, clsPositiveWeight: Double = 1.0,
                objPositiveWeight: Double = 1.0, anchorThreshold: Float = 4.0, labelSmoothing: Double = 0,
                focalGamma: Double = 0, balance: [Double] = [4.0, 1.0, 0.4]) {
        self.box = box
        self.obj = obj
        self.cls = cls
        self.clsPositiveWeight = clsPositiveWeight
        self.objPositiveWeight = objPositiveWeight
        self.anchorThreshold = anchorThreshold
        self.labelSmoothing = labelSmoothing
        self.focalGamma = focalGamma
        self.balance = balance
    }

    /// The gains train.py applies before building the loss: box *= 3/nl, cls *= nc/80 * 3/nl,
    /// obj *= (imgsz/640)^2 * 3/nl; and ComputeLoss's objectness balance for nl levels ([4.0, 1.0, 0.4] for 3,
    /// otherwise the first nl of [4.0, 1.0, 0.25, 0.06, 0.02]).
    public func scaledForTraining(levels: Int, classes: Int, imageSize: Int) -> LossHyperparameters {
        var scaled = self
        scaled.balance = levels == 3 ? [4.0, 1.0, 0.4] : Array([4.0, 1.0, 0.25, 0.06, 0.02].prefix(levels))
        let levelScale = 3.0 / Double(levels)
        let sizeRatio = Double(imageSize) / 640
        scaled.box *= levelScale
        scaled.cls *= Double(classes) / 80 * levelScale
        scaled.obj *= sizeRatio * sizeRatio * levelScale
        return scaled
    }
}
