/// Why an image could not be read, decoded, encoded or written. Every case names the file (or, for
/// bytes in memory, the name the caller gave them).
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The file holds no bytes.
    case empty(file: String)
    /// The bytes start with none of the magic numbers of the supported formats.
    case unknownFormat(file: String)
    /// The data ends before the image does.
    case truncated(file: String, format: String, detail: String)
    /// The data is damaged or uses a feature the decoder does not support.
    case corrupt(file: String, format: String, detail: String)
    /// The declared size is beyond `Image.maximumPixelCount`.
    case tooLarge(file: String, width: Int, height: Int)
    /// The encoder failed.
    case encodingFailed(file: String, format: String, detail: String)
    /// The path's extension names no format this module writes.
    case unknownExtension(file: String)
    /// The file could not be created, written or renamed into place.
    case unwritable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): "\(file): cannot read: \(reason)"
        case let .empty(file): "\(file): empty file"
        case let .unknownFormat(file): "\(file): not a JPEG, PNG, PPM or PGM file"
        case let .truncated(file, format, detail): "\(file): truncated \(format): \(detail)"
        case let .corrupt(file, format, detail): "\(file): corrupt \(format): \(detail)"
        case let .tooLarge(file, width, height):
            "\(file): \(width)x\(height) image is larger than \(Image.maximumPixelCount) pixels"
        case let .encodingFailed(file, format, detail): "\(file): cannot encode \(format): \(detail)"
        case let .unknownExtension(file): "\(file): unknown image extension (use .jpg, .jpeg, .png, .ppm or .pgm)"
        case let .unwritable(file, reason): "\(file): cannot write: \(reason)"
        }
    }
}

extension Image {
    /// The largest width x height a decoder accepts (2^28, 768 MiB as RGB): a guard against headers
    /// that declare absurd sizes.
    public static let maximumPixelCount = 1 << 28

    /// Checks a decoded header's size against `maximumPixelCount`.
    static func checkSize(width: Int, height: Int, file: String, format: String) throws {
        guard width > 0, height > 0 else {
            throw ImageError.corrupt(file: file, format: format, detail: "image size \(width)x\(height)")
        }
        guard width <= maximumPixelCount / height else {
            throw ImageError.tooLarge(file: file, width: width, height: height)
        }
    }
}
