import DetectionLoss
import Foundation

/// An independent, slow transliteration of v6.0 `ComputeLoss.__call__` / `build_targets` / `bbox_iou` in Double,
/// forward only, used as the oracle for finite differences. The values PyTorch computes under `detach()` or
/// `no_grad()` (the objectness targets and CIoU's alpha) can be frozen, so that finite differences see the same
/// function the analytic gradient differentiates.
struct ReferenceLoss {
    let classes: Int
    let anchorsInPixels: [[(w: Float, h: Float)]]
    let strides: [Int]
    let hyp: LossHyperparameters
    let batch: Int
    let grids: [(ny: Int, nx: Int)]
    let targets: [DetectionTarget]

    /// The detached values of one evaluation: tobj per level ([batch][ny][nx][anchor]) and alpha per match.
    struct Detached {
        var objectnessTargets: [[Double]]
        var alphas: [[Double]]
    }

    struct Result {
        var total, box, objectness, classification: Double
        var counts: [Int]
        var detached: Detached
    }

    private struct Match {
        var image, anchor, gj, gi, cls: Int
        var tbox: (Double, Double, Double, Double)
        var anchor_wh: (Double, Double)
    }

    /// `raw[level]` is channels-last like the production input.
    func evaluate(_ raw: [[Double]], frozen: Detached? = nil) -> Result {
        let na = anchorsInPixels[0].count, no = classes + 5
        var lbox = 0.0, lobj = 0.0, lcls = 0.0
        var counts: [Int] = []
        var detached = Detached(objectnessTargets: [], alphas: [])
        for (i, grid) in grids.enumerated() {
            let matches = buildTargets(level: i)
            counts.append(matches.count)
            var tobj = [Double](repeating: 0, count: batch * grid.ny * grid.nx * na)
            var alphas: [Double] = []
            func slot(_ m: Match) -> Int { ((m.image * grid.ny + m.gj) * grid.nx + m.gi) * na + m.anchor }
            for (n, m) in matches.enumerated() {
                let ps = Array(raw[i][(slot(m) * no)..<(slot(m) * no + no)])
                let pxy = (sigmoid(ps[0]) * 2 - 0.5, sigmoid(ps[1]) * 2 - 0.5)
                let pwh = (pow(sigmoid(ps[2]) * 2, 2) * m.anchor_wh.0, pow(sigmoid(ps[3]) * 2, 2) * m.anchor_wh.1)
                let (iou, alpha) = ciou((pxy.0, pxy.1, pwh.0, pwh.1), m.tbox, frozenAlpha: frozen?.alphas[i][n])
                alphas.append(alpha)
                lbox += (1 - iou) / Double(matches.count)
                tobj[slot(m)] = max(iou, 0)  // later matches overwrite earlier ones
                if classes > 1 {
                    let cn = 0.5 * hyp.labelSmoothing, cp = 1 - cn
                    for c in 0..<classes {
                        lcls += bce(ps[5 + c], c == m.cls ? cp : cn, hyp.clsPositiveWeight) / Double(matches.count * classes)
                    }
                }
            }
            let objectnessTargets = frozen?.objectnessTargets[i] ?? tobj
            var obji = 0.0
            for s in tobj.indices { obji += bce(raw[i][s * no + 4], objectnessTargets[s], hyp.objPositiveWeight) }
            lobj += obji / Double(tobj.count) * hyp.balance[i]
            detached.objectnessTargets.append(tobj)
            detached.alphas.append(alphas)
        }
        lbox *= hyp.box
        lobj *= hyp.obj
        lcls *= hyp.cls
        return Result(total: (lbox + lobj + lcls) * Double(batch), box: lbox, objectness: lobj, classification: lcls,
                      counts: counts, detached: detached)
    }

    /// build_targets for one level: filter (anchor, target) pairs by the wh ratio, then stack the five offsets.
    private func buildTargets(level i: Int) -> [Match] {
        let (ny, nx) = grids[i]
        let gain = (Float(nx), Float(ny))
        let anchors = anchorsInPixels[i].map { ($0.w / Float(strides[i]), $0.h / Float(strides[i])) }
        var filtered: [(a: Int, t: DetectionTarget)] = []
        for a in anchors.indices {
            for t in targets {
                let r = (t.w * gain.0 / anchors[a].0, t.h * gain.1 / anchors[a].1)
                if max(max(r.0, 1 / r.0), max(r.1, 1 / r.1)) < hyp.anchorThreshold { filtered.append((a, t)) }
            }
        }
        let off: [(Float, Float)] = [(0, 0), (1, 0), (0, 1), (-1, 0), (0, -1)].map { ($0 * 0.5, $1 * 0.5) }
        func selected(_ o: Int, _ gxy: (Float, Float)) -> Bool {
            let gxi = (gain.0 - gxy.0, gain.1 - gxy.1)
            switch o {
            case 0: return true
            case 1: return gxy.0.truncatingRemainder(dividingBy: 1) < 0.5 && gxy.0 > 1
            case 2: return gxy.1.truncatingRemainder(dividingBy: 1) < 0.5 && gxy.1 > 1
            case 3: return gxi.0.truncatingRemainder(dividingBy: 1) < 0.5 && gxi.0 > 1
            default: return gxi.1.truncatingRemainder(dividingBy: 1) < 0.5 && gxi.1 > 1
            }
        }
        var matches: [Match] = []
        for o in 0..<5 {
            for (a, t) in filtered {
                let gxy = (t.x * gain.0, t.y * gain.1)
                guard selected(o, gxy) else { continue }
                let gi = min(max(Int((gxy.0 - off[o].0).rounded(.towardZero)), 0), nx - 1)
                let gj = min(max(Int((gxy.1 - off[o].1).rounded(.towardZero)), 0), ny - 1)
                matches.append(Match(image: t.image, anchor: a, gj: gj, gi: gi, cls: t.classIndex,
                                     tbox: (Double(gxy.0 - Float(gi)), Double(gxy.1 - Float(gj)),
                                            Double(t.w * gain.0), Double(t.h * gain.1)),
                                     anchor_wh: (Double(anchors[a].0), Double(anchors[a].1))))
            }
        }
        return matches
    }

    /// bbox_iou(box1, box2, x1y1x2y2=False, CIoU=True) for one pair of xywh boxes; returns (CIoU, alpha).
    private func ciou(_ box1: (Double, Double, Double, Double), _ box2: (Double, Double, Double, Double),
                      frozenAlpha: Double?) -> (Double, Double) {
        let eps = 1e-7
        let (b1_x1, b1_x2) = (box1.0 - box1.2 / 2, box1.0 + box1.2 / 2)
        let (b1_y1, b1_y2) = (box1.1 - box1.3 / 2, box1.1 + box1.3 / 2)
        let (b2_x1, b2_x2) = (box2.0 - box2.2 / 2, box2.0 + box2.2 / 2)
        let (b2_y1, b2_y2) = (box2.1 - box2.3 / 2, box2.1 + box2.3 / 2)
        let inter = max(min(b1_x2, b2_x2) - max(b1_x1, b2_x1), 0) * max(min(b1_y2, b2_y2) - max(b1_y1, b2_y1), 0)
        let (w1, h1) = (b1_x2 - b1_x1, b1_y2 - b1_y1 + eps)
        let (w2, h2) = (b2_x2 - b2_x1, b2_y2 - b2_y1 + eps)
        let union = w1 * h1 + w2 * h2 - inter + eps
        let iou = inter / union
        let cw = max(b1_x2, b2_x2) - min(b1_x1, b2_x1)
        let ch = max(b1_y2, b2_y2) - min(b1_y1, b2_y1)
        let c2 = cw * cw + ch * ch + eps
        let rho2 = (pow(b2_x1 + b2_x2 - b1_x1 - b1_x2, 2) + pow(b2_y1 + b2_y2 - b1_y1 - b1_y2, 2)) / 4
        let v = (4 / (Double.pi * Double.pi)) * pow(atan(w2 / h2) - atan(w1 / h1), 2)
        let alpha = frozenAlpha ?? v / (v - iou + (1 + eps))
        return (iou - (rho2 / c2 + v * alpha), alpha)
    }

    /// BCEWithLogitsLoss(pos_weight) of one element, wrapped in FocalLoss(gamma, 0.25) when gamma > 0.
    private func bce(_ x: Double, _ t: Double, _ pw: Double) -> Double {
        let p = sigmoid(x)
        let loss = -(pw * t * log(p) + (1 - t) * log(1 - p))
        guard hyp.focalGamma > 0 else { return loss }
        let p_t = t * p + (1 - t) * (1 - p)
        let alpha_factor = t * 0.25 + (1 - t) * 0.75
        return loss * alpha_factor * pow(1 - p_t, hyp.focalGamma)
    }

    private func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
}
