/// OpenCV's 8-bit RGB <-> HSV conversions (`cv2.COLOR_RGB2HSV`, `cv2.COLOR_HSV2RGB`): hue in 0..<180 (degrees / 2),
/// saturation and value in 0...255. RGB -> HSV uses OpenCV's 12-bit fixed-point division tables and matches cv2 on
/// every pixel; HSV -> RGB is OpenCV's float sector formula rounded (its scalar path), which OpenCV's SIMD path
/// (4.6 and later) truncates instead, so cv2 can be one level lower.
public enum HSV {
    private static let shift = 12
    private static let half = 1 << (shift - 1)
    /// round(255 * 2^12 / v) for v in 0...255 (0 for 0).
    private static let saturationDivisors: [Int] = (0...255).map { $0 == 0 ? 0 : Int((Double(255 << shift) / Double($0)).rounded(.toNearestOrEven)) }
    /// round(180 * 2^12 / (6 d)) for d in 0...255 (0 for 0).
    private static let hueDivisors: [Int] = (0...255).map { $0 == 0 ? 0 : Int((Double(180 << shift) / (6 * Double($0))).rounded(.toNearestOrEven)) }

    /// Hue (0..<180), saturation and value of an RGB pixel.
    public static func fromRGB(red: UInt8, green: UInt8, blue: UInt8) -> (hue: UInt8, saturation: UInt8, value: UInt8) {
        saturationDivisors.withUnsafeBufferPointer { saturationTable in
            hueDivisors.withUnsafeBufferPointer { hueTable in
                fromRGB(red, green, blue, saturationTable, hueTable)
            }
        }
    }

    /// The RGB pixel of a hue (0..<180), saturation and value.
    public static func toRGB(hue: UInt8, saturation: UInt8, value: UInt8) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let v = Float(value) * (1 / 255), s = Float(saturation) * (1 / 255)
        guard s != 0 else { return (value, value, value) }
        var h = Float(hue) * (6 / 180)
        if h >= 6 { h -= 6 }
        var sector = Int(h.rounded(.down))
        h -= Float(sector)
        if sector >= 6 { sector = 0; h = 0 }
        let levels = (v, v * (1 - s), v * (1 - s * h), v * (1 - s * (1 - h)))
        func byte(_ level: Float) -> UInt8 { UInt8((level * 255).rounded(.toNearestOrEven)) }
        // OpenCV's sector_data rows {b, g, r} indices into (v, v(1-s), v(1-sh), v(1-s(1-h))).
        switch sector {
        case 0: return (byte(levels.0), byte(levels.3), byte(levels.1))
        case 1: return (byte(levels.2), byte(levels.0), byte(levels.1))
        case 2: return (byte(levels.1), byte(levels.0), byte(levels.3))
        case 3: return (byte(levels.1), byte(levels.2), byte(levels.0))
        case 4: return (byte(levels.3), byte(levels.1), byte(levels.0))
        default: return (byte(levels.0), byte(levels.1), byte(levels.2))
        }
    }

    /// Applies `lookup` (hue, saturation and value tables of 256 entries each) to every RGB pixel of `pixels` in
    /// place, through HSV: YOLOv5's `cv2.LUT` on the `cv2.cvtColor` planes.
    static func remap(_ pixels: UnsafeMutableBufferPointer<UInt8>, hue: [UInt8], saturation: [UInt8], value: [UInt8]) {
        saturationDivisors.withUnsafeBufferPointer { saturationTable in
            hueDivisors.withUnsafeBufferPointer { hueTable in
                for i in stride(from: 0, to: pixels.count, by: 3) {
                    let hsv = fromRGB(pixels[i], pixels[i + 1], pixels[i + 2], saturationTable, hueTable)
                    let rgb = toRGB(hue: hue[Int(hsv.hue)], saturation: saturation[Int(hsv.saturation)], value: value[Int(hsv.value)])
                    pixels[i] = rgb.red
                    pixels[i + 1] = rgb.green
                    pixels[i + 2] = rgb.blue
                }
            }
        }
    }

    /// OpenCV's RGB2HSV_b for one pixel.
    private static func fromRGB(_ red: UInt8, _ green: UInt8, _ blue: UInt8, _ saturationTable: UnsafeBufferPointer<Int>,
                                _ hueTable: UnsafeBufferPointer<Int>) -> (hue: UInt8, saturation: UInt8, value: UInt8) {
        let r = Int(red), g = Int(green), b = Int(blue)
        let v = max(r, g, b), difference = v - min(r, g, b)
        let s = (difference * saturationTable[v] + half) >> shift
        // The hue numerator of the sector whose channel is the maximum (red first, then green).
        let numerator = v == r ? g - b : v == g ? b - r + 2 * difference : r - g + 4 * difference
        var h = (numerator * hueTable[difference] + half) >> shift
        if h < 0 { h += 180 }
        return (UInt8(h), UInt8(s), UInt8(v))
    }
}
