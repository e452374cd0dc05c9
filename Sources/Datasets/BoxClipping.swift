/// The policy for boxes that leave their image: a box is clipped to the image; a box left with no width or
/// height (or with non-finite numbers) is dropped. Counts both for the conversion summary.
struct BoxClipping {
    private(set) var clipped = 0
    private(set) var dropped = 0

    /// The box (COCO xywh, pixels) clipped to a `width` x `height` image, or nil if nothing of it is left.
    mutating func clip(x: Double, y: Double, w: Double, h: Double, width: Int, height: Int) -> (x: Double, y: Double, w: Double, h: Double)? {
        guard x.isFinite, y.isFinite, w.isFinite, h.isFinite else { dropped += 1; return nil }
        let left = max(x, 0), top = max(y, 0)
        let right = min(x + w, Double(width)), bottom = min(y + h, Double(height))
        guard right > left, bottom > top else { dropped += 1; return nil }
        if left != x || top != y || right != x + w || bottom != y + h { clipped += 1 }
        return (left, top, right - left, bottom - top)
    }
}
