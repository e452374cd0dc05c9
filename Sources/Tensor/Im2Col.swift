/// im2col for NHWC input: row r of the column matrix is output pixel r's receptive field in (ky, kx, ci)
/// order. For a fixed ky the kx positions are adjacent input pixels, so each (pixel, ky) pair is a single
/// contiguous copy of up to kernel * inChannels floats, with zeros where the window leaves the image.
enum Im2Col {
    /// columns[rowCount, K] = receptive fields of output pixels firstRow ..< firstRow + rowCount.
    static func gather(
        input: UnsafePointer<Float>, inputShape s: TensorShape, outputShape o: TensorShape, geometry g: ConvGeometry,
        firstRow: Int, rowCount: Int, columns: UnsafeMutablePointer<Float>
    ) {
        OpProfiler.measure(.im2col) {
            let cin = g.inChannels, k = g.kernel, rowLength = g.columns
            forEachWindowRun(inputShape: s, outputShape: o, geometry: g, firstRow: firstRow, rowCount: rowCount) {
                row, ky, iy, kx0, kx1, ix0, b in
                let dst = columns + row * rowLength + ky * k * cin
                guard iy >= 0 && iy < s.h else { dst.update(repeating: 0, count: k * cin); return }
                if kx0 > 0 { dst.update(repeating: 0, count: kx0 * cin) }
                if kx1 > kx0 {
                    dst.advanced(by: kx0 * cin).update(from: input + ((b * s.h + iy) * s.w + ix0) * cin, count: (kx1 - kx0) * cin)
                }
                if kx1 < k { dst.advanced(by: kx1 * cin).update(repeating: 0, count: (k - kx1) * cin) }
            }
        }
    }

    /// inputGradient += the column-gradient rows of output pixels firstRow ..< firstRow + rowCount, put back
    /// where `gather` took them from.
    static func scatterAdd(
        columns: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>, inputShape s: TensorShape,
        outputShape o: TensorShape, geometry g: ConvGeometry, firstRow: Int, rowCount: Int
    ) {
        OpProfiler.measure(.im2col) {
            let cin = g.inChannels, k = g.kernel, rowLength = g.columns
            forEachWindowRun(inputShape: s, outputShape: o, geometry: g, firstRow: firstRow, rowCount: rowCount) {
                row, ky, iy, kx0, kx1, ix0, b in
                guard iy >= 0 && iy < s.h, kx1 > kx0 else { return }
                let src = columns + row * rowLength + (ky * k + kx0) * cin
                let dst = inputGradient + ((b * s.h + iy) * s.w + ix0) * cin
                for j in 0..<((kx1 - kx0) * cin) { dst[j] += src[j] }
            }
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
}
