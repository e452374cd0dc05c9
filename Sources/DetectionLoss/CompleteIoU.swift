import Foundation

/// An axis-aligned box given by its centre and size.
struct CentreBox {
    var x, y, w, h: Double
}

/// CIoU of a predicted box against a target box, exactly as v6.0
/// `bbox_iou(box1, box2, x1y1x2y2=False, CIoU=True, eps=1e-7)`, with its gradient with respect to the predicted
/// box. `alpha` is computed under `torch.no_grad()` there, so it is a constant in the gradient here too.
/// Ties of min/max split the gradient in half, as PyTorch's `minimum`/`maximum` backward does.
struct CompleteIoU {
    /// The CIoU value (at most 1; negative for distant boxes).
    let value: Double
    /// d(value) / d(predicted x, y, w, h).
    let gradient: CentreBox

    private static let eps = 1e-7
    private static let aspectScale = 4 / (Double.pi * Double.pi)

    init(predicted p: CentreBox, target t: CentreBox) {
        let eps = Self.eps
        let ax = AxisOverlap(centre: p.x, size: p.w, targetCentre: t.x, targetSize: t.w)
        let ay = AxisOverlap(centre: p.y, size: p.h, targetCentre: t.y, targetSize: t.h)
        let w1 = ax.extent, h1 = ay.extent + eps
        let w2 = ax.targetExtent, h2 = ay.targetExtent + eps
        let overlapW = max(ax.overlap, 0), overlapH = max(ay.overlap, 0)
        let inter = overlapW * overlapH
        let union = w1 * h1 + w2 * h2 - inter + eps
        let iou = inter / union
        let c2 = ax.enclosing * ax.enclosing + ay.enclosing * ay.enclosing + eps
        let rho2 = (ax.centreGap * ax.centreGap + ay.centreGap * ay.centreGap) / 4
        let aspect = w1 / h1
        let angleGap = atan(w2 / h2) - atan(aspect)
        let v = Self.aspectScale * angleGap * angleGap
        let alpha = v / (v - iou + (1 + eps))
        value = iou - (rho2 / c2 + v * alpha)

        // Reverse mode from d(value) = 1, alpha constant.
        let unionBar = -iou / union
        let interBar = 1 / union - unionBar
        let c2Bar = rho2 / (c2 * c2)
        let rho2Bar = -1 / c2
        let aspectBar = alpha * Self.aspectScale * 2 * angleGap / (1 + aspect * aspect)
        let w1Bar = h1 * unionBar + aspectBar / h1
        let h1Bar = w1 * unionBar - aspectBar * w1 / (h1 * h1)
        let gx = ax.gradient(overlapBar: ax.overlap >= 0 ? interBar * overlapH : 0,
                             enclosingBar: 2 * ax.enclosing * c2Bar,
                             centreGapBar: ax.centreGap / 2 * rho2Bar,
                             extentBar: w1Bar)
        let gy = ay.gradient(overlapBar: ay.overlap >= 0 ? interBar * overlapW : 0,
                             enclosingBar: 2 * ay.enclosing * c2Bar,
                             centreGapBar: ay.centreGap / 2 * rho2Bar,
                             extentBar: h1Bar)
        gradient = CentreBox(x: gx.centre, y: gy.centre, w: gx.size, h: gy.size)
    }
}

/// The one-axis quantities of two boxes (edges p1 < p2 predicted, t1 < t2 target) that CIoU is built from.
private struct AxisOverlap {
    let p1, p2, t1, t2: Double

    init(centre: Double, size: Double, targetCentre: Double, targetSize: Double) {
        p1 = centre - size / 2
        p2 = centre + size / 2
        t1 = targetCentre - targetSize / 2
        t2 = targetCentre + targetSize / 2
    }

    /// min(p2, t2) - max(p1, t1), before the clamp at 0.
    var overlap: Double { min(p2, t2) - max(p1, t1) }
    /// max(p2, t2) - min(p1, t1): the side of the smallest enclosing box.
    var enclosing: Double { max(p2, t2) - min(p1, t1) }
    /// t1 + t2 - p1 - p2: twice the centre distance.
    var centreGap: Double { t1 + t2 - p1 - p2 }
    /// p2 - p1.
    var extent: Double { p2 - p1 }
    /// t2 - t1.
    var targetExtent: Double { t2 - t1 }

    /// Chains the adjoints of overlap, enclosing, centreGap and extent to the predicted centre and size.
    func gradient(overlapBar: Double, enclosingBar: Double, centreGapBar: Double,
                  extentBar: Double) -> (centre: Double, size: Double) {
        let p1Bar = -overlapBar * share(p1, of: t1, larger: true) - enclosingBar * share(p1, of: t1, larger: false)
            - centreGapBar - extentBar
        let p2Bar = overlapBar * share(p2, of: t2, larger: false) + enclosingBar * share(p2, of: t2, larger: true)
            - centreGapBar + extentBar
        return (p1Bar + p2Bar, (p2Bar - p1Bar) / 2)
    }

    /// The share of the gradient of max(a, b) (larger) or min(a, b) that flows to `a`: 1, 0, or 1/2 on a tie.
    private func share(_ a: Double, of b: Double, larger: Bool) -> Double {
        if a == b { return 0.5 }
        return (a > b) == larger ? 1 : 0
    }
}
