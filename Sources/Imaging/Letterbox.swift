/// The geometry of YOLOv5 v6.0's `letterbox`: scale an image to fit the target keeping its aspect ratio,
/// then pad it with grey, centred. Boxes map into the letterbox as `x * ratio + padX` (and y likewise).
public struct Letterbox: Sendable, Equatable {
    /// Scale factor from source to letterbox pixels.
    public let ratio: Double
    /// Size of the scaled image before padding (`new_unpad`).
    public let resizedWidth: Int
    public let resizedHeight: Int
    /// Half of the total horizontal and vertical padding (YOLOv5's `dw`, `dh`), possibly fractional.
    public let padX: Double
    public let padY: Double
    /// Whole pixels added on each side: `round(dw - 0.1)` left/top, `round(dw + 0.1)` right/bottom.
    public let left: Int
    public let top: Int
    public let right: Int
    public let bottom: Int

    /// Width of the letterboxed image.
    public var width: Int { left + resizedWidth + right }
    /// Height of the letterboxed image.
    public var height: Int { top + resizedHeight + bottom }

    /// The letterbox of a `sourceWidth` x `sourceHeight` image for a `targetWidth` x `targetHeight` input.
    /// `auto` pads only to the next multiple of `stride` (minimum rectangle); `scaleUp: false` never enlarges.
    public init(sourceWidth: Int, sourceHeight: Int, targetWidth: Int, targetHeight: Int,
                auto: Bool = false, scaleUp: Bool = true, stride: Int = 32) {
        precondition(sourceWidth > 0 && sourceHeight > 0 && targetWidth > 0 && targetHeight > 0 && stride > 0)
        var ratio = min(Double(targetHeight) / Double(sourceHeight), Double(targetWidth) / Double(sourceWidth))
        if !scaleUp { ratio = min(ratio, 1) }
        self.ratio = ratio
        // Python's round() rounds halves to even.
        resizedWidth = Int((Double(sourceWidth) * ratio).rounded(.toNearestOrEven))
        resizedHeight = Int((Double(sourceHeight) * ratio).rounded(.toNearestOrEven))
        var paddingX = targetWidth - resizedWidth, paddingY = targetHeight - resizedHeight
        if auto {
            paddingX = ((paddingX % stride) + stride) % stride
            paddingY = ((paddingY % stride) + stride) % stride
        }
        padX = Double(paddingX) / 2
        padY = Double(paddingY) / 2
        left = Int((padX - 0.1).rounded(.toNearestOrEven))
        right = Int((padX + 0.1).rounded(.toNearestOrEven))
        top = Int((padY - 0.1).rounded(.toNearestOrEven))
        bottom = Int((padY + 0.1).rounded(.toNearestOrEven))
    }
}

extension Image {
    /// This image letterboxed as YOLOv5 v6.0 does for validation and inference: resized (bilinear) to
    /// fit `targetWidth` x `targetHeight` and padded with `fill` grey; returns the geometry for mapping boxes.
    public func letterboxed(width targetWidth: Int, height targetHeight: Int, auto: Bool = false,
                            scaleUp: Bool = true, stride: Int = 32, fill: UInt8 = 114) -> (image: Image, letterbox: Letterbox) {
        let box = Letterbox(sourceWidth: width, sourceHeight: height, targetWidth: targetWidth,
                            targetHeight: targetHeight, auto: auto, scaleUp: scaleUp, stride: stride)
        let scaled = resized(width: box.resizedWidth, height: box.resizedHeight)
        var output = Image(width: box.width, height: box.height, format: format, filledWith: fill)
        let sourceRow = scaled.width * channels, outputRow = box.width * channels
        for y in 0..<scaled.height {
            let start = (box.top + y) * outputRow + box.left * channels
            output.pixels.replaceSubrange(start..<start + sourceRow, with: scaled.pixels[y * sourceRow..<(y + 1) * sourceRow])
        }
        return (output, box)
    }
}
