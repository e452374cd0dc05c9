import Imaging
import Shards

/// Converts the CIFAR-10 binary version (`data_batch_1.bin` ... `data_batch_5.bin` -> train, `test_batch.bin`
/// -> val; each record 1 label byte + 3072 bytes: the R, G and B planes of a 32x32 image) into a
/// classification dataset of `<key>.ppm` + `<key>.cls`. Class names come from `batches.meta.txt` if present.
public enum CIFAR10Converter {
    public static let defaultClasses = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    static let side = 32
    static let recordSize = 1 + 3 * 32 * 32

    public static func convert(from directory: String, name: String = "cifar10", out: String, options: ConversionOptions) throws -> DatasetManifest {
        let splits = [("train", (1 ... 5).map { "data_batch_\($0).bin" }), ("val", ["test_batch.bin"])]
        let metaPath = directory + "/batches.meta.txt"
        let classes = InputFiles.exists(metaPath) ? try InputFiles.lines(metaPath) : defaultClasses
        return try DatasetBuilder.build(directory: out, name: name, task: .classify, classes: classes, tool: "spd data make cifar10", options: options) { builder in
            for (split, files) in splits {
                var index = 0
                for file in files {
                    let path = directory + "/" + file
                    let bytes = try InputFiles.read(path)
                    guard bytes.count % recordSize == 0, !bytes.isEmpty else {
                        throw DatasetError.badInput(file: path, problem: "\(bytes.count) bytes is not a whole number of \(recordSize)-byte records")
                    }
                    for record in stride(from: 0, to: bytes.count, by: recordSize) {
                        let label = Int(bytes[record])
                        guard label < classes.count else {
                            throw DatasetError.badInput(file: path, problem: "record \(record / recordSize) has label \(label), there are \(classes.count) classes")
                        }
                        try builder.append(split: split, key: InputFiles.key(index), image: ("ppm", ppm(planes: bytes[record + 1 ..< record + recordSize])),
                                           size: .init(width: side, height: side), label: ("cls", SampleSchema.encodeClass(label)))
                        index += 1
                    }
                }
            }
            return ["source": "cifar10"]
        }
    }

    /// Interleaves the R, G, B planes into a PPM.
    private static func ppm(planes: ArraySlice<UInt8>) -> [UInt8] {
        let area = side * side
        let start = planes.startIndex
        var pixels = [UInt8](repeating: 0, count: 3 * area)
        for pixel in 0 ..< area {
            for channel in 0 ..< 3 { pixels[3 * pixel + channel] = planes[start + channel * area + pixel] }
        }
        return Image(width: side, height: side, format: .rgb, pixels: pixels).pnmData()
    }
}
