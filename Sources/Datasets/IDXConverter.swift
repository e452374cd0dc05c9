import Imaging
import Shards

/// Converts MNIST-style IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-...`, each
/// optionally `.gz`) into a classification dataset: train and val (t10k) splits, `<key>.pgm` + `<key>.cls`.
public enum IDXConverter {
    /// The Fashion-MNIST class names.
    public static let fashionClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// Splits written and the file prefix each is read from.
    static let splitFiles = [("train", "train"), ("val", "t10k")]

    /// - Parameter classes: class names (default "0"..."9", one per label value up to the largest seen).
    public static func convert(from directory: String, classes: [String]? = nil, name: String = "idx", out: String, options: ConversionOptions) throws -> DatasetManifest {
        let splits = try splitFiles.map { split, prefix in
            (split, try IDXFile.readImagesAndLabels(images: IDXFile.find("\(prefix)-images-idx3-ubyte", in: directory),
                                                    labels: IDXFile.find("\(prefix)-labels-idx1-ubyte", in: directory)))
        }
        let largestLabel = splits.map { Int($0.1.labels.values.max() ?? 0) }.max() ?? 0
        let names = classes ?? (0 ... largestLabel).map(String.init)
        guard largestLabel < names.count else {
            throw DatasetError.badOption(name: "names", problem: "\(names.count) names for labels up to \(largestLabel)")
        }
        return try DatasetBuilder.build(directory: out, name: name, task: .classify, classes: names, tool: "spd data make idx", options: options) { builder in
            for (split, (images, labels)) in splits {
                let (count, rows, columns) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
                for index in 0 ..< count {
                    let pixels = Array(images.values[index * rows * columns ..< (index + 1) * rows * columns])
                    try builder.append(split: split, key: InputFiles.key(index),
                                       image: ("pgm", Image(width: columns, height: rows, format: .grey, pixels: pixels).pnmData()),
                                       size: .init(width: columns, height: rows), label: ("cls", SampleSchema.encodeClass(Int(labels.values[index]))))
                }
            }
            return ["source": "idx"]
        }
    }
}
