internal import CPNG  // not re-exported: clients need no C module maps

/// PNG through libpng's simplified API, which reports errors by return value instead of longjmp.
enum PNG {
    /// Decodes a PNG of any colour type and depth to 8-bit `format`. Palettes are expanded, 16-bit
    /// samples reduced (taken as sRGB when the file gives no gamma), and an alpha channel dropped
    /// without compositing, as OpenCV's and PIL's RGB conversions do.
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, as format: PixelFormat) throws -> Image {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw failure(&image, bytes, name)
        }
        let width = Int(image.width), height = Int(image.height)
        do {
            try Image.checkSize(width: width, height: height, file: name, format: "PNG")
        } catch {
            png_image_free(&image)
            throw error
        }
        let hasAlpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        let readChannels = format.channels + (hasAlpha ? 1 : 0)
        image.format = (format == .rgb ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0) | (hasAlpha ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
        image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        var samples = [UInt8](repeating: 0, count: width * height * readChannels)
        let status = samples.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, Int32(width * readChannels), nil)
        }
        guard status != 0 else { throw failure(&image, bytes, name) }
        if hasAlpha { samples = droppingLastChannel(samples, channels: readChannels) }
        return Image(width: width, height: height, format: format, pixels: samples)
    }

    /// Encodes `image` as an 8-bit grey or RGB PNG.
    static func encode(_ image: Image, name: String) throws -> [UInt8] {
        var description = png_image()
        description.version = UInt32(PNG_IMAGE_VERSION)
        description.width = UInt32(image.width)
        description.height = UInt32(image.height)
        description.format = image.format == .rgb ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        let rawSize = (image.width * image.channels + 1) * image.height
        var output = [UInt8](repeating: 0, count: rawSize + rawSize / 8 + 1024)
        while true {
            var size = output.count
            let status = output.withUnsafeMutableBytes { memory in
                image.pixels.withUnsafeBytes { pixels in
                    png_image_write_to_memory(&description, memory.baseAddress, &size, 0, pixels.baseAddress, 0, nil)
                }
            }
            if status != 0 {
                output.removeLast(output.count - size)
                return output
            }
            // A larger size means the buffer was too small and gives the size needed; anything else is an error.
            guard size > output.count else {
                throw ImageError.encodingFailed(file: name, format: "PNG", detail: message(of: &description))
            }
            output = [UInt8](repeating: 0, count: size)
        }
    }

    private static func failure(_ image: inout png_image, _ bytes: UnsafeRawBufferPointer, _ name: String) -> ImageError {
        endsWithImageEnd(bytes)
            ? .corrupt(file: name, format: "PNG", detail: message(of: &image))
            : .truncated(file: name, format: "PNG", detail: message(of: &image))
    }

    /// Whether the data ends with the IEND chunk (zero length, type, CRC).
    private static func endsWithImageEnd(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let imageEnd: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        return bytes.count >= imageEnd.count && bytes.suffix(imageEnd.count).elementsEqual(imageEnd)
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private static func droppingLastChannel(_ samples: [UInt8], channels: Int) -> [UInt8] {
        let kept = channels - 1
        var output = [UInt8](repeating: 0, count: samples.count / channels * kept)
        for pixel in 0..<samples.count / channels {
            for channel in 0..<kept { output[pixel * kept + channel] = samples[pixel * channels + channel] }
        }
        return output
    }
}
