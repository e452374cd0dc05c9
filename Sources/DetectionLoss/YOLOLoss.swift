/// YOLOv5 v6.0 `ComputeLoss` (with `sort_obj_iou` False, gr 1.0, no autobalance) and its exact gradient, on
/// channels-last head outputs.
///
/// Level i's raw output (before sigmoid) is a Float buffer [batch][ny][nx][na * no], no = classes + 5; element
/// (b, y, x, anchor a, k) is at ((b * ny + y) * nx + x) * na * no + a * no + k, with k = 0..3 box (x, y, w, h),
/// 4 objectness, 5... class logits. Matching decisions are made in float32 like the reference; the loss and its
/// gradient are evaluated in Double.
///
/// When several matches land on the same (image, anchor, cell), every one contributes its box and class loss,
/// but the objectness target is the CIoU of the last one in build_targets order (neighbour offset, then anchor,
/// then target index): `tobj[b, a, gj, gi] = iou` behaves so in PyTorch on CPU.
///
/// Not thread-safe: an instance reuses its scratch buffers across calls and does not grow them after the first
/// call with the same shapes and targets.
public final class YOLOLoss {
    public let classes: Int
    public let hyperparameters: LossHyperparameters
    private let anchors: [[(w: Float, h: Float)]]  // grid units, per level
    private let anchorsPerCell: Int
    private let classCriterion: LogitLoss
    private let objectnessCriterion: LogitLoss

    // Scratch, reused across calls.
    private var matches: [AssignedTarget] = []
    private var boxGradients: [CentreBox] = []  // d(sum of CIoU) / d(raw box logits), per match
    private var objectnessTargets: [Float] = []  // tobj of the level being computed, [batch][ny][nx][na] first

    /// Builds the loss for `anchorsInPixels[level][anchor]` (all levels with the same anchor count) at `strides`
    /// (one per level, P3 first) and `hyperparameters` already scaled for training (see `scaledForTraining`).
    public init(classes: Int, anchorsInPixels: [[(w: Float, h: Float)]], strides: [Int],
                hyperparameters: LossHyperparameters) throws {
        func fail(_ message: String) -> DetectionLossError { .invalidConfiguration(message) }
        guard classes > 0 else { throw fail("classes must be positive, got \(classes)") }
        guard !strides.isEmpty, anchorsInPixels.count == strides.count else {
            throw fail("\(anchorsInPixels.count) anchor levels for \(strides.count) strides")
        }
        guard hyperparameters.balance.count == strides.count else {
            throw fail("\(hyperparameters.balance.count) balance weights for \(strides.count) levels")
        }
        let anchorsPerCell = anchorsInPixels[0].count
        guard anchorsPerCell > 0, anchorsInPixels.allSatisfy({ $0.count == anchorsPerCell }) else {
            throw fail("every level needs the same positive number of anchors, got \(anchorsInPixels.map(\.count))")
        }
        guard strides.allSatisfy({ $0 > 0 }) else { throw fail("strides must be positive, got \(strides)") }
        guard anchorsInPixels.joined().allSatisfy({ $0.w > 0 && $0.h > 0 && $0.w.isFinite && $0.h.isFinite }) else {
            throw fail("anchor sizes must be positive and finite")
        }
        self.classes = classes
        self.hyperparameters = hyperparameters
        self.anchorsPerCell = anchorsPerCell
        anchors = zip(anchorsInPixels, strides).map { level, stride in
            level.map { (w: $0.w / Float(stride), h: $0.h / Float(stride)) }
        }
        classCriterion = LogitLoss(positiveWeight: hyperparameters.clsPositiveWeight, focalGamma: hyperparameters.focalGamma)
        objectnessCriterion = LogitLoss(positiveWeight: hyperparameters.objPositiveWeight, focalGamma: hyperparameters.focalGamma)
    }

    /// The matches (target, anchor, cell) per level of `targets` on grids of `levels` (ny, nx), P3 first: this batch's
    /// part of a `LossNormalization`.
    public func matchCounts(levels: [(ny: Int, nx: Int)], targets: [DetectionTarget]) -> [Int] {
        levels.enumerated().map { levelIndex, level in
            TargetAssignment.assign(targets, anchors: anchors[levelIndex], rows: level.ny, columns: level.nx,
                                    anchorThreshold: hyperparameters.anchorThreshold, into: &matches)
            return matches.count
        }
    }

    /// Computes the loss of raw head outputs `levels` (P3 first, each `batch * ny * nx * na * (classes + 5)`
    /// Floats) against `targets`. When `gradients` is given (one buffer per level, same layout), it receives
    /// d(total) / d(raw), every element overwritten (zero where the loss does not depend on it).
    /// `normalization` (default: this batch's own counts) gives the counts the terms are averaged over; with a whole
    /// data-parallel batch's counts the result is this rank's share of that batch's loss.
    /// Throws when shapes disagree with the configuration or a target is unusable (naming its index).
    public func compute(levels: [(raw: UnsafePointer<Float>, ny: Int, nx: Int)], batch: Int, targets: [DetectionTarget],
                        gradients: [UnsafeMutablePointer<Float>]?, normalization: LossNormalization? = nil) throws -> LossBreakdown {
        try validate(levels: levels, batch: batch, gradients: gradients)
        for (index, target) in targets.enumerated() {
            try target.validate(index: index, batch: batch, classes: classes)
        }
        if let normalization {
            guard normalization.matchesPerLevel.count == levels.count, normalization.images >= batch else {
                throw DetectionLossError.shapeMismatch("normalisation over \(normalization.images) images and \(normalization.matchesPerLevel.count) "
                                                       + "levels for a batch of \(batch) images and \(levels.count) levels")
            }
        }
        let images = normalization?.images ?? batch
        var box = 0.0, objectness = 0.0, classification = 0.0
        var counts: [Int] = []
        for (levelIndex, level) in levels.enumerated() {
            TargetAssignment.assign(targets, anchors: anchors[levelIndex], rows: level.ny, columns: level.nx,
                                    anchorThreshold: hyperparameters.anchorThreshold, into: &matches)
            counts.append(matches.count)
            let matchNormalizer = normalization?.matchesPerLevel[levelIndex] ?? matches.count
            guard matchNormalizer >= matches.count else {
                throw DetectionLossError.shapeMismatch("normalisation over \(matchNormalizer) matches at level \(levelIndex), this batch alone has \(matches.count)")
            }
            let geometry = LevelGeometry(batch: batch, ny: level.ny, nx: level.nx, anchors: anchorsPerCell,
                                         outputs: classes + 5, images: images, matches: matchNormalizer)
            let gradient = gradients?[levelIndex]
            box += boxLoss(raw: level.raw, geometry: geometry, levelAnchors: anchors[levelIndex])
            objectness += objectnessLoss(raw: level.raw, geometry: geometry, weight: hyperparameters.balance[levelIndex],
                                         gradient: gradient)
            if classes > 1 {
                classification += classLoss(raw: level.raw, geometry: geometry, gradient: gradient)
            }
            if let gradient {
                addBoxGradients(geometry: geometry, into: gradient)
            }
        }
        return LossBreakdown(total: (box + objectness + classification) * Double(images), box: box,
                             objectness: objectness, classification: classification, targetsPerLevel: counts)
    }

    private func validate(levels: [(raw: UnsafePointer<Float>, ny: Int, nx: Int)], batch: Int,
                          gradients: [UnsafeMutablePointer<Float>]?) throws {
        guard levels.count == anchors.count else {
            throw DetectionLossError.shapeMismatch("\(levels.count) prediction levels, the loss has \(anchors.count)")
        }
        if let gradients, gradients.count != levels.count {
            throw DetectionLossError.shapeMismatch("\(gradients.count) gradient buffers for \(levels.count) levels")
        }
        guard batch > 0 else { throw DetectionLossError.shapeMismatch("batch size must be positive, got \(batch)") }
        for (index, level) in levels.enumerated() where level.ny <= 0 || level.nx <= 0 {
            throw DetectionLossError.shapeMismatch("level \(index) has an empty grid \(level.ny)x\(level.nx)")
        }
    }

    /// lbox * box gain for this level's `matches`; also fills `objectnessTargets` (last match wins) and
    /// `boxGradients` (d CIoU / d raw box logits).
    private func boxLoss(raw: UnsafePointer<Float>, geometry: LevelGeometry, levelAnchors: [(w: Float, h: Float)]) -> Double {
        // Sized by the largest level seen; a level uses its first `slots` elements.
        if objectnessTargets.count < geometry.slots {
            objectnessTargets = [Float](repeating: 0, count: geometry.slots)
        } else {
            objectnessTargets.withUnsafeMutableBufferPointer { $0[..<geometry.slots].update(repeating: 0) }
        }
        boxGradients.removeAll(keepingCapacity: true)
        guard !matches.isEmpty else { return 0 }
        var sum = 0.0
        for match in matches {
            let slot = geometry.slot(of: match)
            let logits = raw + slot * geometry.outputs
            let sx = sigmoidWithDerivative(Double(logits[0])), sy = sigmoidWithDerivative(Double(logits[1]))
            let sw = sigmoidWithDerivative(Double(logits[2])), sh = sigmoidWithDerivative(Double(logits[3]))
            let anchor = levelAnchors[match.anchor]
            let anchorW = Double(anchor.w), anchorH = Double(anchor.h)
            // pxy = 2 s - 0.5, pwh = (2 s)^2 * anchor.
            let predicted = CentreBox(x: 2 * sx.value - 0.5, y: 2 * sy.value - 0.5,
                                      w: 4 * sw.value * sw.value * anchorW, h: 4 * sh.value * sh.value * anchorH)
            let ciou = CompleteIoU(predicted: predicted, target: match.box)
            sum += 1 - ciou.value
            objectnessTargets[slot] = Float(max(ciou.value, 0))
            boxGradients.append(CentreBox(x: ciou.gradient.x * 2 * sx.derivative,
                                          y: ciou.gradient.y * 2 * sy.derivative,
                                          w: ciou.gradient.w * 8 * sw.value * anchorW * sw.derivative,
                                          h: ciou.gradient.h * 8 * sh.value * anchorH * sh.derivative))
        }
        return hyperparameters.box * sum / Double(geometry.matches)
    }

    /// lobj * obj gain for this level: BCE of every objectness logit against `objectnessTargets`, times `weight`.
    /// Overwrites the whole `gradient` buffer: the objectness derivative, zero in every other channel.
    private func objectnessLoss(raw: UnsafePointer<Float>, geometry: LevelGeometry, weight: Double,
                                gradient: UnsafeMutablePointer<Float>?) -> Double {
        let gain = hyperparameters.obj * weight / Double(geometry.normalizingSlots)
        let gradientScale = gain * Double(geometry.images)
        var sum = 0.0
        objectnessTargets.withUnsafeBufferPointer { targets in
            for slot in 0..<geometry.slots {
                let offset = slot * geometry.outputs
                let loss = objectnessCriterion.evaluate(logit: Double(raw[offset + 4]), target: Double(targets[slot]))
                sum += loss.value
                if let gradient {
                    (gradient + offset).update(repeating: 0, count: geometry.outputs)
                    gradient[offset + 4] = Float(gradientScale * loss.derivative)
                }
            }
        }
        return gain * sum
    }

    /// lcls * cls gain for this level's `matches`: BCE of the class logits against smoothed one-hot targets,
    /// mean over matches * classes. Adds its derivative into `gradient`.
    private func classLoss(raw: UnsafePointer<Float>, geometry: LevelGeometry, gradient: UnsafeMutablePointer<Float>?) -> Double {
        guard !matches.isEmpty else { return 0 }
        let negative = 0.5 * hyperparameters.labelSmoothing, positive = 1 - negative
        let gain = hyperparameters.cls / Double(geometry.matches * classes)
        let gradientScale = gain * Double(geometry.images)
        var sum = 0.0
        for match in matches {
            let offset = geometry.slot(of: match) * geometry.outputs + 5
            for c in 0..<classes {
                let loss = classCriterion.evaluate(logit: Double(raw[offset + c]), target: c == match.classIndex ? positive : negative)
                sum += loss.value
                gradient?[offset + c] += Float(gradientScale * loss.derivative)
            }
        }
        return gain * sum
    }

    /// Adds d(total) / d(raw box logits) of every match (stored by `boxLoss`) into `gradient`.
    private func addBoxGradients(geometry: LevelGeometry, into gradient: UnsafeMutablePointer<Float>) {
        guard !matches.isEmpty else { return }
        // total = images * box * mean(1 - CIoU).
        let scale = -Double(geometry.images) * hyperparameters.box / Double(geometry.matches)
        for (match, boxGradient) in zip(matches, boxGradients) {
            let logits = gradient + geometry.slot(of: match) * geometry.outputs
            logits[0] += Float(scale * boxGradient.x)
            logits[1] += Float(scale * boxGradient.y)
            logits[2] += Float(scale * boxGradient.w)
            logits[3] += Float(scale * boxGradient.h)
        }
    }
}

/// The sizes of one level's output: `slots` (image, cell, anchor) of `outputs` values each; and the counts its
/// terms are averaged over: `images` (`batch` or more) and `matches`.
private struct LevelGeometry {
    let batch, ny, nx, anchors, outputs: Int
    let images, matches: Int
    var slots: Int { batch * ny * nx * anchors }
    /// The slots of `images` images: the objectness mean's denominator.
    var normalizingSlots: Int { images * ny * nx * anchors }

    /// Index of a match's (image, cell, anchor) among the slots.
    func slot(of match: AssignedTarget) -> Int {
        ((match.image * ny + match.cellY) * nx + match.cellX) * anchors + match.anchor
    }
}
