import Imaging

/// Fashion-MNIST items from Debian's `dataset-fashion-mnist` IDX files: the train (60k) and t10k (10k) sets,
/// 28x28 grey, 10 classes.
struct FashionMNIST {
    /// Where the Debian package installs the files.
    static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    static let side = 28

    let images: IDXFile
    let labels: IDXFile

    /// Reads `train` or `t10k` from `directory`.
    init(directory: String, set: String) throws {
        guard InputFiles.isDirectory(directory) else {
            throw DatasetError.badInput(file: directory, problem: "Fashion-MNIST not found (apt-get install dataset-fashion-mnist, or give --from)")
        }
        (images, labels) = try IDXFile.readImagesAndLabels(images: IDXFile.find("\(set)-images-idx3-ubyte", in: directory),
                                                            labels: IDXFile.find("\(set)-labels-idx1-ubyte", in: directory))
        guard images.dimensions[1] == Self.side, images.dimensions[2] == Self.side else {
            throw DatasetError.badInput(file: directory, problem: "\(set) images are \(images.dimensions[2])x\(images.dimensions[1]), expected 28x28")
        }
    }

    var count: Int { labels.values.count }

    /// Item `index` as a 28x28 grey image and its class.
    func item(_ index: Int) -> (image: Image, label: Int) {
        let area = Self.side * Self.side
        return (Image(width: Self.side, height: Self.side, format: .grey, pixels: Array(images.values[index * area ..< (index + 1) * area])),
                Int(labels.values[index]))
    }

    /// The set each split is drawn from: train from `train`, val from `t10k`.
    static let setOfSplit = [("train", "train"), ("val", "t10k")]
}
