extension Image {
    /// `Float(v) / 255` for every byte value, computed as YOLOv5's `img.float() / 255` does.
    private static let unitScale: [Float] = (0...255).map { Float($0) / 255 }

    /// Writes this image's values divided by 255 as Float, channels-last: channel `c` of pixel (x, y) goes
    /// to `destination[(y * width + x) * channels + c]`. `destination` must hold `width * height * channels` floats.
    public func writeNormalized(into destination: UnsafeMutablePointer<Float>) {
        Self.unitScale.withUnsafeBufferPointer { table in
            pixels.withUnsafeBufferPointer { source in
                for i in 0..<source.count { destination[i] = table[Int(source[i])] }
            }
        }
    }

    /// Writes a batch of equally sized images of one format as an NHWC Float tensor with values / 255:
    /// element (b, y, x, c) at `((b * height + y) * width + x) * channels + c`.
    public static func writeNormalizedBatch(_ images: [Image], into destination: UnsafeMutablePointer<Float>) {
        guard let first = images.first else { return }
        let imageSize = first.pixels.count
        for (index, image) in images.enumerated() {
            precondition(image.width == first.width && image.height == first.height && image.format == first.format,
                         "batch image \(index) is \(image.width)x\(image.height) \(image.format), " +
                         "image 0 is \(first.width)x\(first.height) \(first.format)")
            image.writeNormalized(into: destination + index * imageSize)
        }
    }
}
