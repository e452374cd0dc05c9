import Foundation
import Imaging
import Support

/// YOLOv5 v6.0's `augment_hsv` gains (hyp `hsv_h`, `hsv_s`, `hsv_v`): each call multiplies hue, saturation and
/// value by 1 + uniform(-gain, gain), through lookup tables (hue wraps modulo 180, the others clip at 255).
/// With all three gains zero it draws nothing and leaves the image untouched, as YOLOv5 does.
public struct HSVJitter: Sendable, Equatable {
    public var hue: Double
    public var saturation: Double
    public var value: Double

    public init(hue: Double = 0.015, saturation: Double = 0.7, value: Double = 0.4) {
        self.hue = hue
        self.saturation = saturation
        self.value = value
    }

    /// `image` (RGB) with jittered colours.
    public func applied(to image: Image, random: inout SeededGenerator) -> Image {
        precondition(image.format == .rgb, "HSV jitter needs an RGB image")
        var pixels = image.pixels
        pixels.withUnsafeMutableBufferPointer { apply(to: $0, random: &random) }
        return Image(width: image.width, height: image.height, format: .rgb, pixels: pixels)
    }

    /// Jitters interleaved RGB `pixels` in place.
    func apply(to pixels: UnsafeMutableBufferPointer<UInt8>, random: inout SeededGenerator) {
        guard hue != 0 || saturation != 0 || value != 0 else { return }
        let gainHue = 1 + Double(random.uniform(-1, 1)) * hue
        let gainSaturation = 1 + Double(random.uniform(-1, 1)) * saturation
        let gainValue = 1 + Double(random.uniform(-1, 1)) * value
        // numpy: ((x * r) % 180).astype(uint8) and clip(x * r, 0, 255).astype(uint8), truncating.
        let levels = (0...255).map(Double.init)
        let hueTable = levels.map { x in UInt8(x * gainHue - 180 * (x * gainHue / 180).rounded(.down)) }
        let saturationTable = levels.map { UInt8(min(max($0 * gainSaturation, 0), 255)) }
        let valueTable = levels.map { UInt8(min(max($0 * gainValue, 0), 255)) }
        HSV.remap(pixels, hue: hueTable, saturation: saturationTable, value: valueTable)
    }
}
