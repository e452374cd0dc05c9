import Imaging
import Shards

/// `fashion-lowres-32` / `fashion-lowres-16`: Fashion-MNIST classification at SPD-friendly sizes. Each 28x28 item
/// is zero-padded by 2 on every side to 32x32; the 16x16 variant is that 32x32 image area-downsampled by 2
/// (so both variants show the same framing). Stored as `<key>.pgm` + `<key>.cls`; train = the 60k train set,
/// val = the 10k test set (or their first `train` / `val` items).
public enum FashionLowRes {
    /// - Parameters:
    ///   - size: 32 or 16.
    ///   - train, val: how many items of each split (default all).
    public static func build(size: Int = 32, train: Int? = nil, val: Int? = nil, from directory: String? = nil,
                             out: String, options: ConversionOptions) throws -> DatasetManifest {
        guard size == 32 || size == 16 else { throw DatasetError.badOption(name: "size", problem: "\(size) is not 32 or 16") }
        let limits = ["train": train, "val": val]
        for (split, limit) in limits { if let limit, limit < 0 { throw DatasetError.badOption(name: split, problem: "\(limit) is negative") } }
        let sources = try FashionMNIST.setOfSplit.map { split, set in (split, try FashionMNIST(directory: directory ?? FashionMNIST.defaultDirectory, set: set)) }
        return try DatasetBuilder.build(
            directory: out, name: "fashion-lowres-\(size)", task: .classify, classes: IDXConverter.fashionClasses,
            tool: "spd data make fashion-lowres", options: options
        ) { builder in
            for (split, source) in sources {
                for index in 0 ..< min(source.count, limits[split].flatMap { $0 } ?? source.count) {
                    let (item, label) = source.item(index)
                    let image = padded(item, by: 2).areaDownsampled(by: 32 / size)
                    try builder.append(split: split, key: InputFiles.key(index), image: ("pgm", image.pnmData()),
                                       size: .init(width: size, height: size), label: ("cls", SampleSchema.encodeClass(label)))
                }
            }
            return ["source": "fashion-mnist", "padding": "2", "downsampling": size == 32 ? "none" : "area 2x2"]
        }
    }

    /// `image` with `border` zero pixels added on every side.
    static func padded(_ image: Image, by border: Int) -> Image {
        let width = image.width + 2 * border, height = image.height + 2 * border, channels = image.channels
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for y in 0 ..< image.height {
            let source = y * image.width * channels
            let destination = ((y + border) * width + border) * channels
            pixels.replaceSubrange(destination ..< destination + image.width * channels, with: image.pixels[source ..< source + image.width * channels])
        }
        return Image(width: width, height: height, format: image.format, pixels: pixels)
    }
}
