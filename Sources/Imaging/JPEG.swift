internal import CTurboJPEG  // not re-exported: clients need no C module maps

/// JPEG through TurboJPEG (libjpeg-turbo 2.x API).
enum JPEG {
    /// Decodes a JPEG. Libjpeg warnings (such as extraneous bytes before a marker) are accepted as
    /// decoders commonly do, except when the data lacks its end-of-image marker: then the image is
    /// reported truncated rather than returned with grey filler.
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, as format: PixelFormat) throws -> Image {
        guard let handle = tjInitDecompress() else {
            throw ImageError.corrupt(file: name, format: "JPEG", detail: errorMessage(nil))
        }
        defer { _ = tjDestroy(handle) }  // only fails for an invalid handle
        let source = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let size = UInt(bytes.count)
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, source, size, &width, &height, &subsampling, &colorspace) == 0 else {
            throw failure(errorMessage(handle), bytes, name)
        }
        // Data that ends inside the markers before the frame header passes the header call with no size.
        guard width > 0, height > 0 else { throw failure("no frame header before the end of the data", bytes, name) }
        try Image.checkSize(width: Int(width), height: Int(height), file: name, format: "JPEG")
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * format.channels)
        let pixelFormat = Int32(format == .rgb ? TJPF_RGB.rawValue : TJPF_GRAY.rawValue)
        let status = pixels.withUnsafeMutableBufferPointer { destination in
            tjDecompress2(handle, source, size, destination.baseAddress, width, 0, height, pixelFormat, 0)
        }
        if status != 0, tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue) || !endsWithEndOfImage(bytes) {
            throw failure(errorMessage(handle), bytes, name)
        }
        return Image(width: Int(width), height: Int(height), format: format, pixels: pixels)
    }

    /// Encodes `image` as a baseline JPEG, 4:2:0 chroma subsampling for RGB, `quality` in 1...100.
    static func encode(_ image: Image, quality: Int, name: String) throws -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw ImageError.encodingFailed(file: name, format: "JPEG", detail: "quality \(quality) is not in 1...100")
        }
        guard let handle = tjInitCompress() else {
            throw ImageError.encodingFailed(file: name, format: "JPEG", detail: errorMessage(nil))
        }
        defer { _ = tjDestroy(handle) }  // only fails for an invalid handle
        let (pixelFormat, subsampling) = image.format == .rgb
            ? (TJPF_RGB.rawValue, TJSAMP_420.rawValue) : (TJPF_GRAY.rawValue, TJSAMP_GRAY.rawValue)
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize: UInt = 0
        defer { tjFree(output) }
        let status = image.pixels.withUnsafeBufferPointer { source in
            tjCompress2(handle, source.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(pixelFormat),
                        &output, &outputSize, Int32(subsampling), Int32(quality), 0)
        }
        guard status == 0, let output else {
            throw ImageError.encodingFailed(file: name, format: "JPEG", detail: errorMessage(handle))
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(outputSize)))
    }

    /// A decoding failure, reported as truncation when the data lacks its end-of-image marker.
    private static func failure(_ detail: String, _ bytes: UnsafeRawBufferPointer, _ name: String) -> ImageError {
        endsWithEndOfImage(bytes)
            ? .corrupt(file: name, format: "JPEG", detail: detail)
            : .truncated(file: name, format: "JPEG", detail: detail)
    }

    /// Whether the data ends with the EOI marker FF D9.
    private static func endsWithEndOfImage(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[bytes.count - 2] == 0xFF && bytes[bytes.count - 1] == 0xD9
    }

    private static func errorMessage(_ handle: tjhandle?) -> String {
        String(cString: tjGetErrorStr2(handle))
    }
}
