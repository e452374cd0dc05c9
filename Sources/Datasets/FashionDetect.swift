import Foundation
import Imaging
import Shards
import Support

/// `fashion-detect`: a small-object detection set. Each sample is a 256x256 RGB canvas (a solid colour or a
/// linear gradient, a third of them with per-pixel noise) with 3-8 real Fashion-MNIST items pasted at 8-32 px,
/// each tinted one random colour (contrasting with the background), alpha-blended by the item's grey
/// value, never overlapping. Boxes are tight around the pasted item's visible pixels (mask >= 16 after
/// resizing; fainter pixels are not drawn), so every box is at most 32x32: COCO "small" (area < 32^2) except
/// a rare full 32x32 box. Train items come from the train set, val items from the test set. Every canvas
/// is a pure function of (seed, split, index), so the build is deterministic and runs on all cores.
/// Stored as `<key>.png` + `<key>.json` (`DetectionLabel`).
public enum FashionDetect {
    public static let canvasSide = 256
    static let itemSizes = 8 ... 32
    static let objectsPerImage = 3 ... 8
    static let maskThreshold: UInt8 = 16
    static let batch = 64

    public static func build(train: Int = 5000, val: Int = 500, from directory: String? = nil, out: String, options: ConversionOptions) throws -> DatasetManifest {
        for (name, count) in [("train", train), ("val", val)] where count < 0 {
            throw DatasetError.badOption(name: name, problem: "\(count) is negative")
        }
        let counts = ["train": train, "val": val]
        let sources = try FashionMNIST.setOfSplit.map { split, set in (split, try FashionMNIST(directory: directory ?? FashionMNIST.defaultDirectory, set: set)) }
        return try DatasetBuilder.build(
            directory: out, name: "fashion-detect", task: .detect, classes: IDXConverter.fashionClasses,
            tool: "spd data make fashion-detect", options: options
        ) { builder in
            for (splitIndex, (split, source)) in sources.enumerated() {
                let count = counts[split] ?? 0
                for start in stride(from: 0, to: count, by: batch) {
                    let indices = Array(start ..< min(start + batch, count))
                    let samples = try renderConcurrently(indices) { index in
                        var generator = SeededGenerator(seed: options.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(splitIndex) << 56 ^ UInt64(index))
                        let (image, label) = compose(source: source, generator: &generator)
                        return (try image.pngData(), try label.encoded())
                    }
                    for (index, sample) in zip(indices, samples) {
                        try builder.append(split: split, key: InputFiles.key(index), image: ("png", sample.0),
                                           size: .init(width: canvasSide, height: canvasSide), label: ("json", sample.1))
                    }
                }
            }
            return ["source": "fashion-mnist", "seed": String(options.seed)]
        }
    }

    /// Runs `render` for each index on all cores; results in index order.
    private static func renderConcurrently(_ indices: [Int], _ render: @Sendable (Int) throws -> ([UInt8], [UInt8])) throws -> [([UInt8], [UInt8])] {
        let results = ResultSlots(count: indices.count)
        DispatchQueue.concurrentPerform(iterations: indices.count) { slot in
            results.set(slot, Result { try render(indices[slot]) })
        }
        return try results.values.map { try $0!.get() }
    }

    /// One canvas and its label.
    static func compose(source: FashionMNIST, generator: inout SeededGenerator) -> (Image, DetectionLabel) {
        var canvas = background(&generator)
        var label = DetectionLabel(width: canvasSide, height: canvasSide, boxes: [])
        var occupied: [(x: Int, y: Int, side: Int)] = []
        for _ in 0 ..< Int.random(in: objectsPerImage, using: &generator) {
            let side = Int.random(in: itemSizes, using: &generator)
            // A few tries to find a free place; an object that finds none is left out.
            for _ in 0 ..< 20 {
                let x = Int.random(in: 0 ... canvasSide - side, using: &generator), y = Int.random(in: 0 ... canvasSide - side, using: &generator)
                let overlaps = occupied.contains { x < $0.x + $0.side + 1 && $0.x < x + side + 1 && y < $0.y + $0.side + 1 && $0.y < y + side + 1 }
                if overlaps { continue }
                let (item, classIndex) = source.item(Int.random(in: 0 ..< source.count, using: &generator))
                let mask = item.resized(width: side, height: side)
                if let box = paste(mask, at: (x, y), tint: tint(against: canvas, at: (x + side / 2, y + side / 2), &generator), on: &canvas) {
                    label.boxes.append([Double(box.x), Double(box.y), Double(box.w), Double(box.h), Double(classIndex)])
                    occupied.append((x, y, side))
                }
                break
            }
        }
        return (canvas, label)
    }

    /// Blends `tint` over the canvas by the mask (pixels below `maskThreshold` left out); returns the tight box
    /// of the blended pixels, or nil if none were.
    static func paste(_ mask: Image, at origin: (x: Int, y: Int), tint: RGBColor, on canvas: inout Image) -> (x: Int, y: Int, w: Int, h: Int)? {
        var (left, top, right, bottom) = (Int.max, Int.max, -1, -1)
        var pixels = canvas.pixels
        let colour = [Int(tint.red), Int(tint.green), Int(tint.blue)]
        for row in 0 ..< mask.height {
            for column in 0 ..< mask.width {
                let alpha = Int(mask.pixels[row * mask.width + column])
                guard alpha >= Int(maskThreshold) else { continue }
                let offset = ((origin.y + row) * canvas.width + origin.x + column) * 3
                for channel in 0 ..< 3 {
                    pixels[offset + channel] = UInt8((Int(pixels[offset + channel]) * (255 - alpha) + colour[channel] * alpha + 127) / 255)
                }
                (left, top, right, bottom) = (min(left, column), min(top, row), max(right, column), max(bottom, row))
            }
        }
        canvas = Image(width: canvas.width, height: canvas.height, format: .rgb, pixels: pixels)
        guard right >= 0 else { return nil }
        return (origin.x + left, origin.y + top, right - left + 1, bottom - top + 1)
    }

    /// A random colour whose brightness differs from the canvas at `point` by at least 80 levels.
    static func tint(against canvas: Image, at point: (x: Int, y: Int), _ generator: inout SeededGenerator) -> RGBColor {
        let offset = (point.y * canvas.width + point.x) * 3
        let background = (Int(canvas.pixels[offset]) + Int(canvas.pixels[offset + 1]) + Int(canvas.pixels[offset + 2])) / 3
        var channels = (0 ..< 3).map { _ in Int.random(in: 0 ... 255, using: &generator) }
        if abs(channels.reduce(0, +) / 3 - background) < 80 {
            channels = channels.map { background < 128 ? 160 + $0 * 95 / 255 : $0 * 95 / 255 }
        }
        return RGBColor(red: UInt8(channels[0]), green: UInt8(channels[1]), blue: UInt8(channels[2]))
    }

    /// A solid colour or a linear gradient between two colours, with per-pixel noise on a third of the canvases.
    static func background(_ generator: inout SeededGenerator) -> Image {
        let side = canvasSide
        func colour() -> [Double] { (0 ..< 3).map { _ in Double.random(in: 0 ... 255, using: &generator) } }
        let from = colour(), to = Bool.random(using: &generator) ? colour() : from
        let angle = Double.random(in: 0 ..< 2 * Double.pi, using: &generator)
        let (dx, dy) = (cos(angle), sin(angle))
        let noise = Int.random(in: 0 ..< 3, using: &generator) == 0 ? Int.random(in: 4 ... 24, using: &generator) : 0
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        var noiseBits: UInt64 = 0
        for y in 0 ..< side {
            for x in 0 ..< side {
                // Position along the gradient direction, 0...1 across the canvas.
                let t = ((Double(x) / Double(side - 1) - 0.5) * dx + (Double(y) / Double(side - 1) - 0.5) * dy) / (abs(dx) + abs(dy)) + 0.5
                if noise > 0 { noiseBits = generator.next() }
                for channel in 0 ..< 3 {
                    var value = Int((from[channel] + (to[channel] - from[channel]) * t).rounded())
                    if noise > 0 { value += Int((noiseBits >> (16 * channel)) & 0xFFFF) % (2 * noise + 1) - noise }
                    pixels[(y * side + x) * 3 + channel] = UInt8(max(0, min(255, value)))
                }
            }
        }
        return Image(width: side, height: side, format: .rgb, pixels: pixels)
    }
}

/// Result slots filled concurrently, one writer per slot.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<([UInt8], [UInt8]), Error>?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ slot: Int, _ value: Result<([UInt8], [UInt8]), Error>) {
        lock.lock()
        values[slot] = value
        lock.unlock()
    }
}
