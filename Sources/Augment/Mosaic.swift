import Imaging

extension DetectionSample {
    /// YOLOv5's `load_image` for training: the image resized (bilinear) so its long side is `size`, each side
    /// truncated as `int(w0 * r)`, with the boxes scaled to match. Unchanged when the long side already is `size`.
    func resized(longSide size: Int) -> DetectionSample {
        let ratio = Double(size) / Double(max(image.width, image.height))
        guard ratio != 1 else { return self }
        let width = max(Int(Double(image.width) * ratio), 1), height = max(Int(Double(image.height) * ratio), 1)
        let scaleX = Float(width) / Float(image.width), scaleY = Float(height) / Float(image.height)
        return DetectionSample(key: key, image: image.resized(width: width, height: height), boxes: boxes.map { $0.scaled(scaleX, scaleY) })
    }
}

/// YOLOv5 v6.0's `load_mosaic` before its `random_perspective`: four images, each resized so its long side is
/// `size`, placed around the centre (centreX, centreY) of a 2 size x 2 size canvas filled with 114: the first
/// tile's bottom-right corner at the centre, the second's bottom-left, the third's top-right, the fourth's
/// top-left, each cut where it leaves the canvas. Boxes move with their tiles and are clipped to the canvas.
/// Shape: 4 x (h_i, w_i, 3) -> (2 size, 2 size, 3).
func mosaicCanvas(of tiles: [DetectionSample], size: Int, centreX: Int, centreY: Int) -> (image: Image, boxes: [LabeledBox]) {
    precondition(tiles.count == 4, "a mosaic has 4 tiles")
    let canvasSize = 2 * size, channels = 3
    var canvas = [UInt8](repeating: 114, count: canvasSize * canvasSize * channels)
    var boxes: [LabeledBox] = []
    for (position, original) in tiles.enumerated() {
        let tile = original.resized(longSide: size)
        let w = tile.image.width, h = tile.image.height
        // Canvas rectangle (a) and the tile rectangle (b) copied into it, as load_mosaic computes them.
        let x1a, y1a, x2a, y2a, x1b, y1b: Int
        switch position {
        case 0:
            (x1a, y1a, x2a, y2a) = (max(centreX - w, 0), max(centreY - h, 0), centreX, centreY)
            (x1b, y1b) = (w - (x2a - x1a), h - (y2a - y1a))
        case 1:
            (x1a, y1a, x2a, y2a) = (centreX, max(centreY - h, 0), min(centreX + w, canvasSize), centreY)
            (x1b, y1b) = (0, h - (y2a - y1a))
        case 2:
            (x1a, y1a, x2a, y2a) = (max(centreX - w, 0), centreY, centreX, min(canvasSize, centreY + h))
            (x1b, y1b) = (w - (x2a - x1a), 0)
        default:
            (x1a, y1a, x2a, y2a) = (centreX, centreY, min(centreX + w, canvasSize), min(canvasSize, centreY + h))
            (x1b, y1b) = (0, 0)
        }
        let rowBytes = (x2a - x1a) * channels
        if rowBytes > 0 {
            canvas.withUnsafeMutableBufferPointer { destination in
                tile.image.pixels.withUnsafeBufferPointer { source in
                    for row in 0..<(y2a - y1a) {
                        let from = ((y1b + row) * w + x1b) * channels, to = ((y1a + row) * canvasSize + x1a) * channels
                        (destination.baseAddress! + to).update(from: source.baseAddress! + from, count: rowBytes)
                    }
                }
            }
        }
        let shiftX = Float(x1a - x1b), shiftY = Float(y1a - y1b), limit = Float(canvasSize)
        boxes += tile.boxes.map { $0.scaled(1, 1, offsetX: shiftX, offsetY: shiftY).clipped(width: limit, height: limit) }
    }
    return (Image(width: canvasSize, height: canvasSize, format: .rgb, pixels: canvas), boxes)
}
