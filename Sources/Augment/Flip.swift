import Imaging

extension Image {
    /// This image mirrored left-right (`np.fliplr`). Shape unchanged.
    public func flippedLeftRight() -> Image {
        var output = pixels
        output.withUnsafeMutableBufferPointer { Self.flipLeftRight($0, width: width, height: height, channels: channels) }
        return Image(width: width, height: height, format: format, pixels: output)
    }

    /// This image mirrored top-bottom (`np.flipud`). Shape unchanged.
    public func flippedUpDown() -> Image {
        var output = pixels
        output.withUnsafeMutableBufferPointer { Self.flipUpDown($0, width: width, height: height, channels: channels) }
        return Image(width: width, height: height, format: format, pixels: output)
    }

    /// Mirrors interleaved (height, width, channels) `pixels` left-right in place.
    static func flipLeftRight(_ pixels: UnsafeMutableBufferPointer<UInt8>, width: Int, height: Int, channels: Int) {
        for y in 0..<height {
            let row = y * width * channels
            for x in 0..<width / 2 {
                let left = row + x * channels, right = row + (width - 1 - x) * channels
                for k in 0..<channels { pixels.swapAt(left + k, right + k) }
            }
        }
    }

    /// Mirrors interleaved (height, width, channels) `pixels` top-bottom in place.
    static func flipUpDown(_ pixels: UnsafeMutableBufferPointer<UInt8>, width: Int, height: Int, channels: Int) {
        let rowLength = width * channels
        for y in 0..<height / 2 {
            let top = y * rowLength, bottom = (height - 1 - y) * rowLength
            for i in 0..<rowLength { pixels.swapAt(top + i, bottom + i) }
        }
    }
}

extension LabeledBox {
    /// The box in an image of `width` mirrored left-right.
    public func flippedLeftRight(width: Float) -> LabeledBox {
        LabeledBox(classIndex: classIndex, x1: width - x2, y1: y1, x2: width - x1, y2: y2)
    }

    /// The box in an image of `height` mirrored top-bottom.
    public func flippedUpDown(height: Float) -> LabeledBox {
        LabeledBox(classIndex: classIndex, x1: x1, y1: height - y2, x2: x2, y2: height - y1)
    }
}
