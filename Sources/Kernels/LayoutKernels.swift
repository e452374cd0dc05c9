import KernelInterface

/// im2col and the layout ops on NHWC activations: copies of contiguous channel vectors.
extension CPUKernels {
    /// Row r of the column matrix is output pixel r's receptive field in (ky, kx, ci) order. For a fixed ky the kx
    /// positions are adjacent input pixels, so each (pixel, ky) pair is a single contiguous copy of up to
    /// kernel * inChannels floats, with zeros where the window leaves the image.
    public static func im2col(input: UnsafePointer<Float>, inputShape s: TensorShape, outputShape o: TensorShape, geometry g: ConvGeometry,
                              firstRow: Int, rowCount: Int, columns: UnsafeMutablePointer<Float>) {
        gatherColumns(input: input, inputShape: s, outputShape: o, geometry: g, firstRow: firstRow, rowCount: rowCount, columns: columns, zero: 0)
    }

    public static func im2col(input: UnsafePointer<UInt16>, inputShape s: TensorShape, outputShape o: TensorShape, geometry g: ConvGeometry,
                              firstRow: Int, rowCount: Int, columns: UnsafeMutablePointer<UInt16>) {
        gatherColumns(input: input, inputShape: s, outputShape: o, geometry: g, firstRow: firstRow, rowCount: rowCount, columns: columns, zero: 0)
    }

    /// im2col of any element type, `zero` where the window leaves the image.
    @inline(__always)
    private static func gatherColumns<Element>(
        input: UnsafePointer<Element>, inputShape s: TensorShape, outputShape o: TensorShape, geometry g: ConvGeometry,
        firstRow: Int, rowCount: Int, columns: UnsafeMutablePointer<Element>, zero: Element
    ) {
        let cin = g.inChannels, k = g.kernel, rowLength = g.columns
        forEachWindowRun(inputShape: s, outputShape: o, geometry: g, firstRow: firstRow, rowCount: rowCount) {
            row, ky, iy, kx0, kx1, ix0, b in
            let dst = columns + row * rowLength + ky * k * cin
            guard iy >= 0 && iy < s.h else { dst.update(repeating: zero, count: k * cin); return }
            if kx0 > 0 { dst.update(repeating: zero, count: kx0 * cin) }
            if kx1 > kx0 {
                dst.advanced(by: kx0 * cin).update(from: input + ((b * s.h + iy) * s.w + ix0) * cin, count: (kx1 - kx0) * cin)
            }
            if kx1 < k { dst.advanced(by: kx1 * cin).update(repeating: zero, count: (k - kx1) * cin) }
        }
    }

    public static func col2imAdd(columns: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>, inputShape s: TensorShape,
                                 outputShape o: TensorShape, geometry g: ConvGeometry, firstRow: Int, rowCount: Int) {
        let cin = g.inChannels, k = g.kernel, rowLength = g.columns
        forEachWindowRun(inputShape: s, outputShape: o, geometry: g, firstRow: firstRow, rowCount: rowCount) {
            row, ky, iy, kx0, kx1, ix0, b in
            guard iy >= 0 && iy < s.h, kx1 > kx0 else { return }
            let src = columns + row * rowLength + (ky * k + kx0) * cin
            let dst = inputGradient + ((b * s.h + iy) * s.w + ix0) * cin
            for j in 0..<((kx1 - kx0) * cin) { dst[j] += src[j] }
        }
    }

    /// Calls `body(rowInTile, ky, iy, kx0, kx1, ix0, batch)` for every output pixel of the tile and kernel row:
    /// kernel columns kx0 ..< kx1 fall inside the image and start at input column ix0.
    @inline(__always)
    private static func forEachWindowRun(
        inputShape s: TensorShape, outputShape o: TensorShape, geometry g: ConvGeometry, firstRow: Int, rowCount: Int,
        _ body: (Int, Int, Int, Int, Int, Int, Int) -> Void
    ) {
        let k = g.kernel, stride = g.stride, pad = g.padding
        let perImage = o.h * o.w
        for row in 0..<rowCount {
            let pixel = firstRow + row
            let b = pixel / perImage
            let oy = (pixel % perImage) / o.w
            let ox = pixel % o.w
            let x0 = ox * stride - pad
            let kx0 = max(0, -x0), kx1 = min(k, s.w - x0)
            for ky in 0..<k {
                body(row, ky, oy * stride - pad + ky, kx0, max(kx0, kx1), x0 + kx0, b)
            }
        }
    }

    /// output[b, y, x, k*C + c] = input[b, 2y + dy, 2x + dx, c] with k = dy + 2*dx: cat(x[::2, ::2], x[1::2, ::2],
    /// x[::2, 1::2], x[1::2, 1::2]), the SPD-Conv reference order (not pixel_unshuffle's).
    public static func spaceToDepth(input: UnsafePointer<Float>, inputShape s: TensorShape, output: UnsafeMutablePointer<Float>) {
        forEachBlock(s) { source, destination, c in (output + destination).update(from: input + source, count: c) }
    }

    public static func spaceToDepthBackward(outputGradient: UnsafePointer<Float>, inputShape s: TensorShape,
                                            inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        forEachBlock(s) { source, destination, c in
            route(outputGradient + destination, into: inputGradient + source, count: c, accumulate: accumulate)
        }
    }

    /// Calls body(inputOffset, outputOffset, C) for each of the 4 channel blocks of each output pixel.
    @inline(__always)
    private static func forEachBlock(_ s: TensorShape, _ body: (Int, Int, Int) -> Void) {
        let c = s.c, oh = s.h / 2, ow = s.w / 2
        for b in 0..<s.n {
            for y in 0..<oh {
                for x in 0..<ow {
                    let out = ((b * oh + y) * ow + x) * 4 * c
                    for k in 0..<4 {
                        let dy = k & 1, dx = k >> 1
                        body(((b * s.h + 2 * y + dy) * s.w + 2 * x + dx) * c, out + k * c, c)
                    }
                }
            }
        }
    }

    /// output[b, y, x, :] = input[b, y/2, x/2, :]   [N, H, W, C] -> [N, 2H, 2W, C]
    public static func upsample(input: UnsafePointer<Float>, inputShape s: TensorShape, output: UnsafeMutablePointer<Float>) {
        forEachPair(s) { source, destination, c in (output + destination).update(from: input + source, count: c) }
    }

    public static func upsampleBackward(outputGradient: UnsafePointer<Float>, inputShape s: TensorShape,
                                        inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if !accumulate { inputGradient.update(repeating: 0, count: s.count) }
        forEachPair(s) { source, destination, c in
            route(outputGradient + destination, into: inputGradient + source, count: c, accumulate: true)
        }
    }

    @inline(__always)
    private static func forEachPair(_ s: TensorShape, _ body: (Int, Int, Int) -> Void) {
        let c = s.c, oh = 2 * s.h, ow = 2 * s.w
        for b in 0..<s.n {
            for y in 0..<oh {
                for x in 0..<ow { body(((b * s.h + y / 2) * s.w + x / 2) * c, ((b * oh + y) * ow + x) * c, c) }
            }
        }
    }

    public static func concat(input: UnsafePointer<Float>, channels c: Int, pixels: Int, output: UnsafeMutablePointer<Float>,
                              totalChannels: Int, offset: Int) {
        for p in 0..<pixels { (output + p * totalChannels + offset).update(from: input + p * c, count: c) }
    }

    public static func concatBackward(outputGradient: UnsafePointer<Float>, totalChannels: Int, offset: Int, channels c: Int, pixels: Int,
                                      inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool) {
        for p in 0..<pixels {
            route(outputGradient + p * totalChannels + offset, into: inputGradient + p * c, count: c, accumulate: accumulate)
        }
    }
}
