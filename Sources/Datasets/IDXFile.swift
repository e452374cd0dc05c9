/// An IDX array (MNIST's format): magic 0 0 0x08 (unsigned bytes) and a dimension count, big-endian
/// 32-bit dimensions, then the values. Gzipped files are decompressed.
struct IDXFile {
    let dimensions: [Int]
    let values: [UInt8]

    init(contentsOf path: String) throws {
        var bytes = try InputFiles.read(path)
        if Gzip.isCompressed(bytes) { bytes = try Gzip.decompress(bytes, file: path) }
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else { throw DatasetError.badInput(file: path, problem: "not an IDX file (bad magic number)") }
        guard bytes[2] == 0x08 else { throw DatasetError.badInput(file: path, problem: "IDX element type 0x\(String(bytes[2], radix: 16)) is not unsigned byte (0x08)") }
        let count = Int(bytes[3])
        let headerSize = 4 + 4 * count
        guard count > 0, bytes.count >= headerSize else { throw DatasetError.badInput(file: path, problem: "truncated IDX header") }
        dimensions = (0 ..< count).map { axis in bytes[4 + 4 * axis ..< 8 + 4 * axis].reduce(0) { $0 << 8 | Int($1) } }
        // The product is checked: four 32-bit dimensions can overflow Int.
        var expected = 1
        for dimension in dimensions {
            let (product, overflow) = expected.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw DatasetError.badInput(file: path, problem: "IDX dimensions \(dimensions) overflow: no file holds that many values") }
            expected = product
        }
        guard bytes.count - headerSize == expected else {
            throw DatasetError.badInput(file: path, problem: "IDX dimensions \(dimensions) need \(expected) values, the file has \(bytes.count - headerSize)")
        }
        values = Array(bytes[headerSize...])
    }

    /// Reads an images file (n x rows x cols) and its labels file (n), checking they agree.
    static func readImagesAndLabels(images: String, labels: String) throws -> (images: IDXFile, labels: IDXFile) {
        let imageFile = try IDXFile(contentsOf: images)
        let labelFile = try IDXFile(contentsOf: labels)
        guard imageFile.dimensions.count == 3 else { throw DatasetError.badInput(file: images, problem: "expected 3 IDX dimensions (n, rows, cols), found \(imageFile.dimensions)") }
        guard labelFile.dimensions == [imageFile.dimensions[0]] else {
            throw DatasetError.badInput(file: labels, problem: "\(labelFile.dimensions) labels for \(imageFile.dimensions[0]) images")
        }
        return (imageFile, labelFile)
    }

    /// The file `base` or `base.gz` in `directory`, whichever exists.
    static func find(_ base: String, in directory: String) throws -> String {
        for candidate in [base, base + ".gz"] where InputFiles.exists(directory + "/" + candidate) { return directory + "/" + candidate }
        throw DatasetError.badInput(file: directory + "/" + base, problem: "missing (nor is there a .gz)")
    }
}
