import Imaging

extension Image {
    /// A `width` x `height` image whose pixel (x, y) is this image's pixel (x - offsetX, y - offsetY), or `fill`
    /// where that lies outside this image: padding, cropping and translating by whole pixels.
    /// Shape: (h, w, c) -> (height, width, c).
    public func shifted(width outputWidth: Int, height outputHeight: Int, offsetX: Int, offsetY: Int, fill: UInt8 = 0) -> Image {
        var output = [UInt8](repeating: fill, count: outputWidth * outputHeight * channels)
        // Output columns and rows that receive source pixels.
        let firstX = max(offsetX, 0), lastX = min(offsetX + width, outputWidth)
        let firstY = max(offsetY, 0), lastY = min(offsetY + height, outputHeight)
        if firstX < lastX {
            let rowBytes = (lastX - firstX) * channels
            output.withUnsafeMutableBufferPointer { destination in
                pixels.withUnsafeBufferPointer { source in
                    for y in firstY..<max(lastY, firstY) {
                        let from = ((y - offsetY) * width + firstX - offsetX) * channels, to = (y * outputWidth + firstX) * channels
                        (destination.baseAddress! + to).update(from: source.baseAddress! + from, count: rowBytes)
                    }
                }
            }
        }
        return Image(width: outputWidth, height: outputHeight, format: format, pixels: output)
    }
}
