/// The geometry of a 2-D convolution over NHWC activations, with weights stored as
/// [outChannels][kernel][kernel][inChannels] (`weightCount` floats) so that one im2col row matches one weight row.
public struct ConvGeometry: Hashable, Sendable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernel: Int
    public var stride: Int
    public var padding: Int

    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int? = nil) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding ?? kernel / 2
    }

    /// Length of one im2col row: kernel * kernel * inChannels.
    public var columns: Int { kernel * kernel * inChannels }
    public var weightCount: Int { outChannels * columns }
    /// A 1x1, stride-1, unpadded conv is a plain GEMM on the NHWC matrix.
    public var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// FLOPs (2 per multiply-add) of the forward pass producing `output`.
    public func forwardFLOPs(output: TensorShape) -> Double {
        2 * Double(output.pixels) * Double(outChannels) * Double(columns)
    }
}
