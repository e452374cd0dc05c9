/// The shape of an activation tensor in channels-last (NHWC) layout: element (b, y, x, ch) lives at
/// `((b * h + y) * w + x) * c + ch`. A flat vector of features is (n, 1, 1, c).
public struct TensorShape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var n: Int
    public var h: Int
    public var w: Int
    public var c: Int

    public init(n: Int, h: Int, w: Int, c: Int) {
        self.n = n; self.h = h; self.w = w; self.c = c
    }

    /// Number of pixels (rows of the NHWC matrix): n * h * w.
    public var pixels: Int { n * h * w }
    /// Number of elements.
    public var count: Int { n * h * w * c }

    /// PyTorch's NCHW notation, used in messages.
    public var description: String { "\(n)x\(c)x\(h)x\(w) (NCHW)" }
}
