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
