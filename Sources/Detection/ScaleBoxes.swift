/// YOLOv5's `scale_coords` + `clip_coords`: maps boxes from a letterboxed input back to the original
/// image by subtracting the padding (`padX`, `padY`: half the total padding) and dividing by `gain`
/// (the letterbox ratio), then clips to 0...imageWidth and 0...imageHeight.
public func scaleBoxes(_ boxes: [DetectionBox], gain: Double, padX: Double, padY: Double,
                       imageWidth: Int, imageHeight: Int) -> [DetectionBox] {
    let gain = Float(gain), padX = Float(padX), padY = Float(padY)
    let maxX = Float(imageWidth), maxY = Float(imageHeight)
    func clip(_ value: Float, _ upper: Float) -> Float { min(max(value, 0), upper) }
    return boxes.map { box in
        var scaled = box
        scaled.x1 = clip((box.x1 - padX) / gain, maxX)
        scaled.y1 = clip((box.y1 - padY) / gain, maxY)
        scaled.x2 = clip((box.x2 - padX) / gain, maxX)
        scaled.y2 = clip((box.y2 - padY) / gain, maxY)
        return scaled
    }
}
