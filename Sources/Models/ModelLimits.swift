#if canImport(Glibc)
import Glibc
#endif
import Support

/// The bounds a model file's values must keep, checked before anything is built or allocated. They are far above
/// every model of the family (YOLOv5-l: widths up to 1024, kernels up to 6, repeats up to 9, stride 32) and exist
/// so that a typing slip or a hostile file gets a message naming the row instead of an allocator abort: the Models
/// and Tensor modules are built with -Ounchecked, so their loops rely on these checks for their bounds.
public enum ModelLimits {
    /// Output channels of one row, after width_multiple.
    public static let maximumChannels = 1 << 16
    /// Convolution and pooling kernel sides.
    public static let maximumKernel = 31
    /// A convolution's stride.
    public static let maximumConvStride = 64
    /// The input downsampling of any row (the product of the strides before it).
    public static let maximumDownsampling = 4096
    /// A row's `number` (and its repeats after depth_multiple), and a ResNet stage's block count.
    public static let maximumRepeats = 1000
    /// depth_multiple and width_multiple.
    public static let maximumMultiple = 64.0
    /// Classes of a detector or classifier.
    public static let maximumClasses = 1_000_000
    /// The side of an input image.
    public static let maximumImageSize = 1 << 15

    /// This machine's memory in bytes (nil where it cannot be read).
    public static var physicalMemory: Int? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return nil }
        return pages.multipliedReportingOverflow(by: size).overflow ? nil : pages * size
    }

    /// Refuses a pass over `batch` images of `imageSize` whose activations (`elements` per layer, named by `layer`)
    /// would not fit this machine's memory: each element counts 16 bytes when `training` (output, saved input,
    /// gradient and workspace in float32), 8 otherwise (output and workspace). `file` names the model file.
    public static func checkActivations(_ elements: [(layer: String, count: Int)], imageSize: Int, batch: Int, training: Bool, file: String) throws {
        guard let memory = physicalMemory else { return }
        var total = 0
        for (_, count) in elements {
            let (sum, overflow) = total.addingReportingOverflow(count)
            total = overflow ? Int.max : sum
        }
        let bytesPerElement = training ? 16 : 8
        guard total > memory / bytesPerElement else { return }
        let largest = elements.max { $0.count < $1.count }!
        func gib(_ elements: Int) -> String {
            String(format: "%.1f", Double(elements) * Double(bytesPerElement) / Double(1 << 30))
        }
        throw FileProblem(file: file, message: "batch \(batch) at \(imageSize)x\(imageSize) needs about \(gib(total)) GiB for activations "
                          + "(\(largest.layer) alone \(gib(largest.count)) GiB), more than this machine's \(String(format: "%.1f", Double(memory) / Double(1 << 30))) GiB")
    }

    /// `count` elements of `batch` x side x side x channels, saturating instead of overflowing.
    static func elements(batch: Int, side: Int, channels: Int) -> Int {
        var result = batch
        for factor in [side, side, channels] {
            let (product, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return Int.max }
            result = product
        }
        return result
    }
}
