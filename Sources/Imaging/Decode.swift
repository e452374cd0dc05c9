import Foundation  // ContiguousBytes: [UInt8] and Data

/// The encodings this module reads, recognised by their first bytes.
enum ImageEncoding {
    case jpeg, png, ppm, pgm

    /// The encoding whose magic number starts `bytes`, if any.
    init?(sniffing bytes: UnsafeRawBufferPointer) {
        func starts(with magic: [UInt8]) -> Bool { bytes.count >= magic.count && bytes.prefix(magic.count).elementsEqual(magic) }
        if starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if starts(with: Array("P6".utf8)) {
            self = .ppm
        } else if starts(with: Array("P5".utf8)) {
            self = .pgm
        } else {
            return nil
        }
    }
}

extension Image {
    /// Decodes the JPEG, PNG, PPM (P6) or PGM (P5) file at `path`, chosen by its content, into `format`.
    /// Throws `ImageError` naming `path`.
    public init(contentsOfFile path: String, as format: PixelFormat = .rgb) throws {
        try self.init(decoding: FileIO.readFile(path), name: path, as: format)
    }

    /// Decodes JPEG, PNG, PPM (P6) or PGM (P5) bytes, chosen by their content, into `format`.
    /// `name` (a path or a sample key) is what errors report.
    public init(decoding bytes: some ContiguousBytes, name: String, as format: PixelFormat = .rgb) throws {
        self = try bytes.withUnsafeBytes { buffer in
            guard !buffer.isEmpty else { throw ImageError.empty(file: name) }
            switch ImageEncoding(sniffing: buffer) {
            case .jpeg: return try JPEG.decode(buffer, name: name, as: format)
            case .png: return try PNG.decode(buffer, name: name, as: format)
            case .ppm, .pgm: return try PNM.decode(buffer, name: name).converted(to: format)
            case nil: throw ImageError.unknownFormat(file: name)
            }
        }
    }
}
