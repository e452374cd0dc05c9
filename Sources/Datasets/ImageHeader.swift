/// An encoded image's format and pixel size, read from its header without decoding: PNG IHDR, JPEG SOFn,
/// PPM/PGM (P6/P5) header.
public struct ImageHeader: Equatable, Sendable {
    public enum Format: String, Sendable {
        case jpeg = "jpg", png, ppm, pgm

        /// The member extension WebDataset shards use for this format.
        public var fileExtension: String { rawValue }
    }

    public var format: Format
    public var width: Int
    public var height: Int

    /// Reads the header of `bytes`; `name` (a file or sample key) names errors.
    public init(parsing bytes: [UInt8], name: String) throws {
        func bad(_ problem: String) -> DatasetError { .badInput(file: name, problem: problem) }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            guard bytes.count >= 24, bytes[12 ..< 16].elementsEqual(Array("IHDR".utf8)) else { throw bad("PNG without an IHDR chunk") }
            self.init(format: .png, width: Self.bigEndian32(bytes, 16), height: Self.bigEndian32(bytes, 20))
        } else if bytes.starts(with: [0xFF, 0xD8]) {
            guard let size = Self.jpegFrameSize(bytes) else { throw bad("JPEG without a frame header (SOF)") }
            self.init(format: .jpeg, width: size.width, height: size.height)
        } else if bytes.starts(with: Array("P6".utf8)) || bytes.starts(with: Array("P5".utf8)) {
            guard let size = Self.netpbmSize(bytes) else { throw bad("malformed PPM/PGM header") }
            self.init(format: bytes[1] == UInt8(ascii: "6") ? .ppm : .pgm, width: size.width, height: size.height)
        } else {
            throw bad("not a JPEG, PNG, PPM or PGM image")
        }
        guard width > 0, height > 0 else { throw bad("image size \(width)x\(height)") }
    }

    init(format: Format, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }

    private static func bigEndian32(_ bytes: [UInt8], _ offset: Int) -> Int {
        bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
    }

    /// Walks the JPEG markers up to the first start-of-frame (SOF0-SOF15 except DHT, JPG and DAC).
    private static func jpegFrameSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        var offset = 2
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xFF { offset += 1; continue }  // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0 ... 0xD7).contains(marker) { offset += 2; continue }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            if (0xC0 ... 0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard offset + 9 <= bytes.count else { return nil }
                let height = Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6])
                let width = Int(bytes[offset + 7]) << 8 | Int(bytes[offset + 8])
                return (width, height)
            }
            guard length >= 2 else { return nil }
            offset += 2 + length
        }
        return nil
    }

    /// Width and height from "P6 <ws> width <ws> height <ws> maxval" with '#' comments.
    private static func netpbmSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        var offset = 2
        var numbers: [Int] = []
        while numbers.count < 2 && offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "#") {
                while offset < bytes.count && bytes[offset] != UInt8(ascii: "\n") { offset += 1 }
            } else if (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) {
                var value = 0
                while offset < bytes.count, (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(bytes[offset]), value < 1 << 40 {
                    value = value * 10 + Int(bytes[offset] - UInt8(ascii: "0"))
                    offset += 1
                }
                numbers.append(value)
                continue
            } else if ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(byte) {
                return nil
            }
            offset += 1
        }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
    }
}
