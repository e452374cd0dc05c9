extension Image {
    /// This image as a baseline JPEG of `quality` (1...100; 4:2:0 chroma subsampling for RGB).
    public func jpegData(quality: Int = 95) throws -> [UInt8] {
        try JPEG.encode(self, quality: quality, name: "<memory>")
    }

    /// This image as an 8-bit PNG (lossless).
    public func pngData() throws -> [UInt8] {
        try PNG.encode(self, name: "<memory>")
    }

    /// This image as binary PPM (P6, RGB) or PGM (P5, grey).
    public func pnmData() -> [UInt8] {
        PNM.encode(self)
    }

    /// Writes this image to `path` in the format its extension names (.jpg/.jpeg, .png, .ppm, .pgm;
    /// any case), atomically: a temporary file beside it is renamed into place.
    public func write(toFile path: String, jpegQuality: Int = 95) throws {
        let fileName = path.split(separator: "/").last ?? ""
        let suffix = fileName.lastIndex(of: ".").map { fileName[fileName.index(after: $0)...].lowercased() } ?? ""
        let bytes: [UInt8]
        switch suffix {
        case "jpg", "jpeg": bytes = try JPEG.encode(self, quality: jpegQuality, name: path)
        case "png": bytes = try PNG.encode(self, name: path)
        case "ppm": bytes = PNM.encode(converted(to: .rgb))
        case "pgm": bytes = PNM.encode(converted(to: .grey))
        default: throw ImageError.unknownExtension(file: path)
        }
        try FileIO.writeFileAtomically(bytes, to: path)
    }
}
