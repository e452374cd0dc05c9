/// Binary Netpbm images: PPM (P6, RGB) and PGM (P5, grey), 8 or 16 bits per sample.
enum PNM {
    /// Decodes P6 or P5 data; samples with a maximum other than 255 are rescaled to 0...255.
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String) throws -> Image {
        let format: PixelFormat = bytes[1] == UInt8(ascii: "6") ? .rgb : .grey
        let formatName = format == .rgb ? "PPM" : "PGM"
        var header = HeaderReader(bytes: bytes, position: 2)
        guard let width = header.nextNumber(), let height = header.nextNumber(), let maximum = header.nextNumber(),
              header.skipSingleWhitespace() else {
            let problem = header.position >= bytes.count ? ImageError.truncated : ImageError.corrupt
            throw problem(name, formatName, "header is not 'P\(format == .rgb ? 6 : 5) width height maxval'")
        }
        guard (1...65535).contains(maximum) else {
            throw ImageError.corrupt(file: name, format: formatName, detail: "maxval \(maximum) is not in 1...65535")
        }
        try Image.checkSize(width: width, height: height, file: name, format: formatName)
        let sampleCount = width * height * format.channels
        let bytesPerSample = maximum > 255 ? 2 : 1
        let available = bytes.count - header.position
        guard available >= sampleCount * bytesPerSample else {
            throw ImageError.truncated(file: name, format: formatName,
                                       detail: "\(available) of \(sampleCount * bytesPerSample) pixel bytes")
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[header.position...])
        var pixels = [UInt8](repeating: 0, count: sampleCount)
        for i in 0..<sampleCount {
            let sample = bytesPerSample == 1 ? Int(data[i]) : Int(data[2 * i]) << 8 | Int(data[2 * i + 1])
            pixels[i] = maximum == 255 ? UInt8(sample) : UInt8((min(sample, maximum) * 255 + maximum / 2) / maximum)
        }
        return Image(width: width, height: height, format: format, pixels: pixels)
    }

    /// Encodes `image` as P6 (RGB) or P5 (grey) with maxval 255.
    static func encode(_ image: Image) -> [UInt8] {
        Array("P\(image.format == .rgb ? 6 : 5)\n\(image.width) \(image.height)\n255\n".utf8) + image.pixels
    }

    /// Reads the whitespace-separated decimal fields of a Netpbm header, skipping `#` comments.
    private struct HeaderReader {
        let bytes: UnsafeRawBufferPointer
        var position: Int

        mutating func nextNumber() -> Int? {
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
                } else if isWhitespace(bytes[position]) {
                    position += 1
                } else {
                    break
                }
            }
            var value = 0, digits = 0
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]), digits < 9 {
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                position += 1
                digits += 1
            }
            return digits > 0 ? value : nil
        }

        /// The single whitespace byte that separates the header from the samples.
        mutating func skipSingleWhitespace() -> Bool {
            guard position < bytes.count, isWhitespace(bytes[position]) else { return false }
            position += 1
            return true
        }

        private func isWhitespace(_ byte: UInt8) -> Bool {
            byte == 0x20 || (0x09...0x0D).contains(byte)
        }
    }
}
