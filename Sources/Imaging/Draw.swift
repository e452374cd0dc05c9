extension Image {
    /// Fills the pixels with x in `x0...x1` and y in `y0...y1` (clipped to the image) with `color`
    /// (its BT.601 luma on a grey image).
    public mutating func fillRectangle(x0: Int, y0: Int, x1: Int, y1: Int, color: RGBColor) {
        let left = max(x0, 0), right = min(x1, width - 1), top = max(y0, 0), bottom = min(y1, height - 1)
        guard left <= right, top <= bottom else { return }
        let grey = Self.luma(color.red, color.green, color.blue)
        for y in top...bottom {
            for x in left...right {
                let i = (y * width + x) * channels
                if format == .rgb {
                    pixels[i] = color.red
                    pixels[i + 1] = color.green
                    pixels[i + 2] = color.blue
                } else {
                    pixels[i] = grey
                }
            }
        }
    }

    /// Draws the outline of the box from (x0, y0) to (x1, y1) inclusive, `lineWidth` pixels thick, inside it.
    public mutating func strokeRectangle(x0: Int, y0: Int, x1: Int, y1: Int, color: RGBColor, lineWidth: Int = 2) {
        let thickness = max(lineWidth, 1) - 1
        fillRectangle(x0: x0, y0: y0, x1: x1, y1: y0 + thickness, color: color)
        fillRectangle(x0: x0, y0: y1 - thickness, x1: x1, y1: y1, color: color)
        fillRectangle(x0: x0, y0: y0, x1: x0 + thickness, y1: y1, color: color)
        fillRectangle(x0: x1 - thickness, y0: y0, x1: x1, y1: y1, color: color)
    }

    /// Size in pixels of `text` drawn by `drawText` at `scale`.
    public static func textSize(_ text: String, scale: Int = 2) -> (width: Int, height: Int) {
        (max(text.count * BitmapFont.advance - 1, 0) * scale, BitmapFont.glyphHeight * scale)
    }

    /// Draws `text` in the built-in 5x7 font with its top-left corner at (x, y), each font pixel a
    /// `scale` x `scale` square.
    public mutating func drawText(_ text: String, x: Int, y: Int, color: RGBColor, scale: Int = 2) {
        for (index, character) in text.enumerated() {
            let glyphX = x + index * BitmapFont.advance * scale
            for (row, bits) in BitmapFont.rows(of: character).enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (0x10 >> column) != 0 {
                    let px = glyphX + column * scale, py = y + row * scale
                    fillRectangle(x0: px, y0: py, x1: px + scale - 1, y1: py + scale - 1, color: color)
                }
            }
        }
    }

    /// Draws a detection as YOLOv5's annotator does: the box outline, and `label` in white on a filled
    /// box of `color` above the box's top-left corner (inside the box when there is no room above).
    public mutating func drawLabeledBox(x0: Int, y0: Int, x1: Int, y1: Int, label: String, color: RGBColor,
                                        lineWidth: Int = 2, fontScale: Int = 2) {
        strokeRectangle(x0: x0, y0: y0, x1: x1, y1: y1, color: color, lineWidth: lineWidth)
        guard !label.isEmpty else { return }
        let text = Self.textSize(label, scale: fontScale)
        let margin = fontScale
        let labelHeight = text.height + 2 * margin
        let labelTop = y0 - labelHeight >= 0 ? y0 - labelHeight : y0
        fillRectangle(x0: x0, y0: labelTop, x1: x0 + text.width + 2 * margin - 1, y1: labelTop + labelHeight - 1, color: color)
        drawText(label, x: x0 + margin, y: labelTop + margin, color: .white, scale: fontScale)
    }
}
