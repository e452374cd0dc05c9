import Foundation
import Imaging
import Support

/// YOLOv5's `plot_images`: a batch as one picture (train_batch0.jpg, val_batch0_labels.jpg, val_batch0_pred.jpg).
/// Up to 16 images on a square grid, filled column by column, scaled down so that the whole is at most `maxSize`
/// pixels a side; each tile gets a white frame and its sample's name, and its boxes in their class colours labelled
/// with the class name (and, for predictions, the score; those at or below `minimumScore` are left out). The grid is
/// composed as pixels, the frames, boxes and text as SVG over it, rendered by librsvg (`PNGRendering`).
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

    /// The picture as an SVG document: the composed grid as an embedded PNG, the drawing over it.
    public static func svg(_ tiles: [Tile], classNames: [String], maxSize: Int = 1920, minimumScore: Float = 0.25) throws -> String {
        let tiles = Array(tiles.prefix(16))
        guard let first = tiles.first else { return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>" }
        let grid = Int(Double(tiles.count).squareRoot().rounded(.up))
        var tileWidth = first.image.width, tileHeight = first.image.height
        let scale = Double(maxSize) / Double(grid) / Double(max(tileWidth, tileHeight))
        if scale < 1 {
            tileWidth = Int((scale * Double(tileWidth)).rounded(.up))
            tileHeight = Int((scale * Double(tileHeight)).rounded(.up))
        }
        let width = grid * tileWidth, height = grid * tileHeight
        var canvas = Image(width: width, height: height, format: .rgb, filledWith: 255)
        let lineWidth = max((Double(width + height) / 2 * 0.003).rounded(), 1)
        let fontSize = max(Double(min(tileWidth, tileHeight)) / 16, 7)
        var drawing: [String] = []
        for (index, tile) in tiles.enumerated() {
            let left = tileWidth * (index / grid), top = tileHeight * (index % grid)
            var image = tile.image.converted(to: .rgb)
            if image.width != tileWidth || image.height != tileHeight { image = image.resized(width: tileWidth, height: tileHeight) }
            canvas.paste(image, x: left, y: top)
            let sx = Double(tileWidth) / Double(tile.image.width), sy = Double(tileHeight) / Double(tile.image.height)
            for box in tile.boxes where box.score.map({ $0 > minimumScore }) ?? true {
                let name = classNames.indices.contains(box.classIndex) ? classNames[box.classIndex] : "class\(box.classIndex)"
                let label = box.score.map { "\(name) \(String(format: "%.1f", $0))" } ?? name
                let color = RGBColor.forClass(box.classIndex), rgb = "rgb(\(color.red),\(color.green),\(color.blue))"
                let x = Double(left) + Double(box.x1) * sx, y = Double(top) + Double(box.y1) * sy
                let w = Double(box.x2 - box.x1) * sx, h = Double(box.y2 - box.y1) * sy
                drawing.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"%@\" stroke-width=\"%.0f\"/>",
                                      x, y, w, h, rgb, lineWidth))
                drawing.append(text(label, x: x + 1, y: y - 2 >= Double(top) + fontSize ? y - 2 : y + fontSize, size: fontSize, fill: "white", outline: rgb))
            }
            drawing.append(text(String(tile.name.prefix(40)), x: Double(left) + 3, y: Double(top) + fontSize + 2, size: fontSize, fill: "rgb(220,220,220)",
                                outline: "black"))
            drawing.append("<rect x=\"\(left + 1)\" y=\"\(top + 1)\" width=\"\(tileWidth - 2)\" height=\"\(tileHeight - 2)\" fill=\"none\" stroke=\"white\" stroke-width=\"2\"/>")
        }
        let background = try canvas.pngData()
        return (["<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"\(width)\" height=\"\(height)\" font-family=\"DejaVu Sans, sans-serif\">",
                 "<image width=\"\(width)\" height=\"\(height)\" xlink:href=\"data:image/png;base64,\(Data(background).base64EncodedString())\"/>"]
                + drawing + ["</svg>"]).joined(separator: "\n")
    }

    /// A label: `fill` letters with an `outline` halo (drawn under them), legible on any background.
    private static func text(_ string: String, x: Double, y: Double, size: Double, fill: String, outline: String) -> String {
        String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" fill=\"%@\" stroke=\"%@\" stroke-width=\"%.1f\" paint-order=\"stroke\">%@</text>",
               x, y, size, fill, outline, max(size / 4, 1.5), SVGChart.escape(string))
    }
}
