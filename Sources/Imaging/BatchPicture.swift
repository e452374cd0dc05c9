import Foundation

/// YOLOv5's `plot_images`: a batch as one picture (train_batch0.jpg, val_batch0_labels.jpg, val_batch0_pred.jpg).
/// Up to 16 images on a square grid, filled column by column, scaled down so that the whole is at most `maxSize`
/// pixels a side; each tile gets a white frame, its sample's name, and its boxes in their class colours, labelled with
/// the class name (and, for predictions, the score; those at or below `minimumScore` are left out).
public enum BatchPicture {
    /// One image of the batch with its boxes in its own pixel coordinates; `score` nil for ground truth.
    public struct Tile {
        public var image: Image
        public var name: String
        public var boxes: [(classIndex: Int, x1: Float, y1: Float, x2: Float, y2: Float, score: Float?)]

        public init(image: Image, name: String, boxes: [(classIndex: Int, x1: Float, y1: Float, x2: Float, y2: Float, score: Float?)]) {
            self.image = image
            self.name = name
            self.boxes = boxes
        }
    }

    public static func draw(_ tiles: [Tile], classNames: [String], maxSize: Int = 1920, minimumScore: Float = 0.25) -> Image {
        let tiles = Array(tiles.prefix(16))
        guard let first = tiles.first else { return Image(width: 1, height: 1, format: .rgb, filledWith: 255) }
        let grid = Int(Double(tiles.count).squareRoot().rounded(.up))
        var tileWidth = first.image.width, tileHeight = first.image.height
        let scale = Double(maxSize) / Double(grid) / Double(max(tileWidth, tileHeight))
        if scale < 1 {
            tileWidth = Int((scale * Double(tileWidth)).rounded(.up))
            tileHeight = Int((scale * Double(tileHeight)).rounded(.up))
        }
        var canvas = Image(width: grid * tileWidth, height: grid * tileHeight, format: .rgb, filledWith: 255)
        let lineWidth = max(Int((Double(canvas.width + canvas.height) / 2 * 0.003).rounded()), 1)
        for (index, tile) in tiles.enumerated() {
            let left = tileWidth * (index / grid), top = tileHeight * (index % grid)
            var image = tile.image.converted(to: .rgb)
            if image.width != tileWidth || image.height != tileHeight { image = image.resized(width: tileWidth, height: tileHeight) }
            canvas.paste(image, x: left, y: top)
            let sx = Float(tileWidth) / Float(tile.image.width), sy = Float(tileHeight) / Float(tile.image.height)
            for box in tile.boxes where box.score.map({ $0 > minimumScore }) ?? true {
                let name = classNames.indices.contains(box.classIndex) ? classNames[box.classIndex] : "class\(box.classIndex)"
                canvas.drawLabeledBox(x0: left + Int(box.x1 * sx), y0: top + Int(box.y1 * sy), x1: left + Int(box.x2 * sx), y1: top + Int(box.y2 * sy),
                                      label: box.score.map { "\(name) \(String(format: "%.1f", $0))" } ?? name, color: .forClass(box.classIndex),
                                      lineWidth: lineWidth, fontScale: 1)
            }
            canvas.drawText(String(tile.name.prefix(40)), x: left + 3, y: top + 3, color: RGBColor(red: 220, green: 220, blue: 220), scale: 1)
            canvas.strokeRectangle(x0: left, y0: top, x1: left + tileWidth - 1, y1: top + tileHeight - 1, color: .white, lineWidth: 2)
        }
        return canvas
    }
}

extension Image {
    /// Copies `image` (of this image's format) with its top-left corner at (x, y), clipped to this image.
    public mutating func paste(_ image: Image, x: Int, y: Int) {
        precondition(image.format == format, "paste needs images of one pixel format")
        let rows = max(0, min(image.height, height - y)), columns = max(0, min(image.width, width - x))
        guard rows > 0, columns > 0, x >= 0, y >= 0 else { return }
        for row in 0..<rows {
            let source = row * image.width * channels, destination = ((y + row) * width + x) * channels
            pixels.replaceSubrange(destination..<(destination + columns * channels), with: image.pixels[source..<(source + columns * channels)])
        }
    }
}
