extension Image {
    /// Bilinear resize with half-pixel centres and OpenCV's 11-bit fixed-point weights, matching
    /// `cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)` to within one level.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "resize to \(newWidth)x\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        let columns = LinearTaps(source: width, destination: newWidth)
        let rows = LinearTaps(source: height, destination: newHeight)
        let c = channels
        // Horizontal pass over every source row (values scaled by 2^11), then the vertical pass.
        var horizontal = [Int32](repeating: 0, count: height * newWidth * c)
        pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { rowsOut in
                for y in 0..<height {
                    let sourceRow = y * width * c, outputRow = y * newWidth * c
                    for x in 0..<newWidth {
                        let left = sourceRow + columns.first[x] * c, right = sourceRow + columns.second[x] * c
                        let wLeft = columns.firstWeight[x], wRight = LinearTaps.one - wLeft
                        for k in 0..<c {
                            rowsOut[outputRow + x * c + k] = wLeft * Int32(source[left + k]) + wRight * Int32(source[right + k])
                        }
                    }
                }
            }
        }
        var output = [UInt8](repeating: 0, count: newWidth * newHeight * c)
        let rowLength = newWidth * c
        horizontal.withUnsafeBufferPointer { rowsIn in
            output.withUnsafeMutableBufferPointer { destination in
                for y in 0..<newHeight {
                    let top = rows.first[y] * rowLength, bottom = rows.second[y] * rowLength
                    let wTop = Int64(rows.firstWeight[y]), wBottom = Int64(LinearTaps.one) - wTop
                    for i in 0..<rowLength {
                        let value = wTop * Int64(rowsIn[top + i]) + wBottom * Int64(rowsIn[bottom + i])
                        destination[y * rowLength + i] = UInt8(clamping: (value + (1 << 21)) >> 22)
                    }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, format: format, pixels: output)
    }

    /// Downsamples by averaging `factor` x `factor` blocks (rounded), like `cv2.INTER_AREA` at an
    /// integer scale; the output is `width / factor` x `height / factor` and leftover edge pixels are dropped.
    public func areaDownsampled(by factor: Int) -> Image {
        precondition(factor >= 1 && width >= factor && height >= factor, "area downsample \(width)x\(height) by \(factor)")
        if factor == 1 { return self }
        let newWidth = width / factor, newHeight = height / factor, c = channels
        let area = factor * factor
        var output = [UInt8](repeating: 0, count: newWidth * newHeight * c)
        pixels.withUnsafeBufferPointer { source in
            for y in 0..<newHeight {
                for x in 0..<newWidth {
                    for k in 0..<c {
                        var sum = 0
                        for dy in 0..<factor {
                            let row = ((y * factor + dy) * width + x * factor) * c + k
                            for dx in 0..<factor { sum += Int(source[row + dx * c]) }
                        }
                        output[(y * newWidth + x) * c + k] = UInt8((sum + area / 2) / area)
                    }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, format: format, pixels: output)
    }
}

/// For each output coordinate along one axis: the two source samples it blends and the weight of the
/// first, in OpenCV's INTER_LINEAR fixed point (weights sum to 2^11).
private struct LinearTaps {
    static let one: Int32 = 1 << 11
    var first: [Int] = []
    var second: [Int] = []
    var firstWeight: [Int32] = []

    init(source: Int, destination: Int) {
        let scale = 1 / (Double(destination) / Double(source))  // as OpenCV computes it
        for d in 0..<destination {
            let position = Float((Double(d) + 0.5) * scale - 0.5)
            var index = Int(position.rounded(.down))
            var fraction = position - Float(index)
            if index < 0 { index = 0; fraction = 0 }
            if index >= source - 1 { index = source - 1; fraction = 0 }
            first.append(index)
            second.append(min(index + 1, source - 1))
            firstWeight.append(Int32(((1 - fraction) * Float(Self.one)).rounded(.toNearestOrEven)))
        }
    }
}
