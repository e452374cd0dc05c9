/// How many 8-bit channels a pixel has.
public enum PixelFormat: Int, Sendable, CaseIterable {
    /// One grey channel.
    case grey = 1
    /// Red, green, blue.
    case rgb = 3

    /// Channels per pixel.
    public var channels: Int { rawValue }
}

/// An 8-bit image stored row-major with interleaved channels (HWC): the value of channel `c` of pixel
/// (x, y) is `pixels[(y * width + x) * channels + c]`.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let format: PixelFormat
    public internal(set) var pixels: [UInt8]

    /// Channels per pixel (1 or 3).
    public var channels: Int { format.channels }

    /// An image over `pixels`, which must hold exactly `width * height * format.channels` values.
    public init(width: Int, height: Int, format: PixelFormat, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image size \(width)x\(height) is not positive")
        precondition(pixels.count == width * height * format.channels,
                     "\(pixels.count) values do not fill a \(width)x\(height) \(format) image")
        self.width = width
        self.height = height
        self.format = format
        self.pixels = pixels
    }

    /// An image with every channel of every pixel set to `value`.
    public init(width: Int, height: Int, format: PixelFormat, filledWith value: UInt8) {
        self.init(width: width, height: height, format: format,
                  pixels: [UInt8](repeating: value, count: width * height * format.channels))
    }

    /// This image in `target` format: grey is replicated into R, G and B; RGB becomes grey by the
    /// ITU-R BT.601 luma weights (0.299, 0.587, 0.114), as libjpeg, libpng and OpenCV use.
    public func converted(to target: PixelFormat) -> Image {
        if target == format { return self }
        let pixelCount = width * height
        var output = [UInt8](repeating: 0, count: pixelCount * target.channels)
        switch target {
        case .rgb:
            for i in 0..<pixelCount {
                output[3 * i] = pixels[i]
                output[3 * i + 1] = pixels[i]
                output[3 * i + 2] = pixels[i]
            }
        case .grey:
            for i in 0..<pixelCount {
                output[i] = Self.luma(pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2])
            }
        }
        return Image(width: width, height: height, format: target, pixels: output)
    }

    /// BT.601 luma of an RGB triple, rounded, in 14-bit fixed point.
    static func luma(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> UInt8 {
        let weighted: Int = 4899 * Int(red) + 9617 * Int(green) + 1868 * Int(blue)
        return UInt8((weighted + 8192) >> 14)
    }
}
