import Foundation
import TestSupport
import Imaging
import Shards

/// Small datasets made on the fly for trainer tests.
enum SyntheticData {
    /// A detection set: `count` RGB images of `size` px on a grey background, each with one or two solid squares
    /// (red = class 0, blue = class 1) and their boxes; PNG images, COCO-style pixel boxes.
    /// `brokenTrainSample`: that train sample's image is not a decodable PNG.
    static func detection(at directory: String, train: Int, val: Int, size: Int = 64, seed: UInt64 = 1, brokenTrainSample: Int? = nil) throws {
        var random = SeededRandom(seed: seed)
        var splits: [String: [ShardInfo]] = [:]
        for (split, count) in [("train", train), ("val", val)] {
            let writer = try ShardWriter(directory: directory, split: split, maxSamplesPerShard: 5)
            for index in 0..<count {
                var pixels = [UInt8](repeating: 128, count: size * size * 3)
                var boxes: [[Double]] = []
                for object in 0..<(1 + index % 2) {
                    let side = 12 + random.next(upTo: 14), x = random.next(upTo: size - side), y = object == 0 ? random.next(upTo: size / 2 - side / 2) : size / 2 + random.next(upTo: size / 2 - side)
                    let classIndex = (index + object) % 2
                    let color: [UInt8] = classIndex == 0 ? [220, 30, 30] : [30, 30, 220]
                    for yy in y..<(y + side) { for xx in x..<(x + side) { for c in 0..<3 { pixels[(yy * size + xx) * 3 + c] = color[c] } } }
                    boxes.append([Double(x), Double(y), Double(side), Double(side), Double(classIndex)])
                }
                let image = Image(width: size, height: size, format: .rgb, pixels: pixels)
                let label = try JSONSerialization.data(withJSONObject: ["width": size, "height": size, "boxes": boxes])
                let png = split == "train" && index == brokenTrainSample ? Array("not a png".utf8) : try image.pngData()
                try writer.append(key: String(format: "%@%04d", split, index), members: [(extension: "png", data: png), (extension: "json", data: Array(label))])
            }
            splits[split] = try writer.finish()
        }
        try DatasetManifest(name: "synthetic-detect", task: .detect, classes: ["red", "blue"], imageSize: .fixed(width: size, height: size),
                            splits: splits, creator: .init(tool: "SyntheticData", version: "1")).write(to: "\(directory)/dataset.json")
    }

    /// A classification set of `size` px grey images: class c is a bright square in quadrant c (4 classes).
    static func classification(at directory: String, train: Int, val: Int, size: Int = 32) throws {
        var splits: [String: [ShardInfo]] = [:]
        var random = SeededRandom(seed: 5)
        for (split, count) in [("train", train), ("val", val)] {
            let writer = try ShardWriter(directory: directory, split: split, maxSamplesPerShard: 16)
            for index in 0..<count {
                let label = index % 4
                var pixels = [UInt8](repeating: 20, count: size * size)
                let half = size / 2, x0 = (label % 2) * half, y0 = (label / 2) * half
                for y in (y0 + 2)..<(y0 + half - 2) { for x in (x0 + 2)..<(x0 + half - 2) { pixels[y * size + x] = UInt8(180 + random.next(upTo: 60)) } }
                let image = Image(width: size, height: size, format: .grey, pixels: pixels)
                try writer.append(key: String(format: "%@%04d", split, index), members: [(extension: "pgm", data: image.pnmData()), (extension: "cls", data: Array("\(label)".utf8))])
            }
            splits[split] = try writer.finish()
        }
        try DatasetManifest(name: "synthetic-classify", task: .classify, classes: ["tl", "tr", "bl", "br"], imageSize: .fixed(width: size, height: size),
                            splits: splits, creator: .init(tool: "SyntheticData", version: "1")).write(to: "\(directory)/dataset.json")
    }
}

