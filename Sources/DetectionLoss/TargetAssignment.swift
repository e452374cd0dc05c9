/// One (target, anchor, cell) match of v6.0 `build_targets`: which prediction is compared with which box.
struct AssignedTarget {
    var image: Int
    var anchor: Int
    var cellY: Int
    var cellX: Int
    var classIndex: Int
    /// `tbox`: the target centre relative to the (clamped) cell and the target size, in grid units.
    var box: CentreBox
}

/// v6.0 `build_targets` for one level, in float32 like the reference so that threshold decisions agree.
enum TargetAssignment {
    /// The cell offsets of `build_targets` (g = 0.5): the target's own cell, then left, up, right, down.
    private static let neighbourOffsets: [(x: Float, y: Float)] = [(0, 0), (0.5, 0), (0, 0.5), (-0.5, 0), (0, -0.5)]

    /// Replaces `matches` with this level's matches, in PyTorch's order: neighbour offset, then anchor, then
    /// target. `anchors` are in grid units (pixels / stride, float32 as in Detect.anchors).
    static func assign(_ targets: [DetectionTarget], anchors: [(w: Float, h: Float)], rows ny: Int, columns nx: Int,
                       anchorThreshold: Float, into matches: inout [AssignedTarget]) {
        matches.removeAll(keepingCapacity: true)
        let gainX = Float(nx), gainY = Float(ny)
        for (offsetIndex, offset) in neighbourOffsets.enumerated() {
            for (anchorIndex, anchor) in anchors.enumerated() {
                for target in targets {
                    let gx = target.x * gainX, gy = target.y * gainY
                    let gw = target.w * gainX, gh = target.h * gainY
                    guard fits(width: gw, height: gh, anchor: anchor, threshold: anchorThreshold),
                          usesOffset(offsetIndex, gx: gx, gy: gy, inverseX: gainX - gx, inverseY: gainY - gy)
                    else { continue }
                    // (gxy - offsets).long() truncates toward zero; v6.0 clamps gij in place, so tbox uses the clamped cell.
                    let cellX = min(max(Int(gx - offset.x), 0), nx - 1)
                    let cellY = min(max(Int(gy - offset.y), 0), ny - 1)
                    matches.append(AssignedTarget(
                        image: target.image, anchor: anchorIndex, cellY: cellY, cellX: cellX, classIndex: target.classIndex,
                        box: CentreBox(x: Double(gx - Float(cellX)), y: Double(gy - Float(cellY)),
                                       w: Double(gw), h: Double(gh))))
                }
            }
        }
    }

    /// max(r, 1/r) < threshold for both ratios r = target size / anchor size.
    private static func fits(width: Float, height: Float, anchor: (w: Float, h: Float), threshold: Float) -> Bool {
        let rw = width / anchor.w, rh = height / anchor.h
        return max(max(rw, 1 / rw), max(rh, 1 / rh)) < threshold
    }

    /// Whether neighbour offset `index` applies: conditions j, k (gxy % 1 < 0.5 and gxy > 1) and l, m (the same
    /// for the inverse n - gxy); offset 0, the target's own cell, always applies.
    private static func usesOffset(_ index: Int, gx: Float, gy: Float, inverseX: Float, inverseY: Float) -> Bool {
        func nearLowerEdge(_ g: Float) -> Bool { g - g.rounded(.down) < 0.5 && g > 1 }
        switch index {
        case 1: return nearLowerEdge(gx)
        case 2: return nearLowerEdge(gy)
        case 3: return nearLowerEdge(inverseX)
        case 4: return nearLowerEdge(inverseY)
        default: return true
        }
    }
}
