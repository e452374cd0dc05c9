import Imaging

extension Image {
    /// This image under `transform`, as `cv2.warpAffine` / `cv2.warpPerspective` with INTER_LINEAR and a constant
    /// border: output pixel (x, y) samples the source bilinearly at `transform.inverse` of (x, y) (pixel indices,
    /// no half-pixel shift), and source taps outside the image count as `fill`.
    /// Shape: (height, width, channels) -> (outputHeight, outputWidth, channels).
    public func warped(by transform: ProjectiveTransform, width outputWidth: Int, height outputHeight: Int, fill: UInt8) -> Image {
        var output = [UInt8](repeating: 0, count: outputWidth * outputHeight * channels)
        output.withUnsafeMutableBufferPointer { destination in
            warp(by: transform, into: destination, width: outputWidth, height: outputHeight, fill: fill)
        }
        return Image(width: outputWidth, height: outputHeight, format: format, pixels: output)
    }

    /// `warped(by:width:height:fill:)` into `destination`, which holds outputWidth * outputHeight * channels bytes.
    func warp(by transform: ProjectiveTransform, into destination: UnsafeMutableBufferPointer<UInt8>,
              width outputWidth: Int, height outputHeight: Int, fill: UInt8) {
        precondition(destination.count == outputWidth * outputHeight * channels, "warp destination size")
        let inverse = transform.inverse.matrix
        let affine = transform.isAffine
        let sourceWidth = width, sourceHeight = height, c = channels
        let fillValue = Float(fill)
        let maxX = Double(sourceWidth), maxY = Double(sourceHeight)
        pixels.withUnsafeBufferPointer { source in
            for y in 0..<outputHeight {
                let outputY = Double(y)
                for x in 0..<outputWidth {
                    let outputX = Double(x)
                    var sourceX = inverse[0] * outputX + inverse[1] * outputY + inverse[2]
                    var sourceY = inverse[3] * outputX + inverse[4] * outputY + inverse[5]
                    if !affine {
                        let w = inverse[6] * outputX + inverse[7] * outputY + inverse[8]
                        let reciprocal = w != 0 ? 1 / w : 0
                        sourceX *= reciprocal
                        sourceY *= reciprocal
                    }
                    let out = (y * outputWidth + x) * c
                    // Not finite, or every tap outside: all fill.
                    guard sourceX > -1, sourceY > -1, sourceX < maxX, sourceY < maxY else {
                        for k in 0..<c { destination[out + k] = fill }
                        continue
                    }
                    let floorX = sourceX.rounded(.down), floorY = sourceY.rounded(.down)
                    let x0 = Int(floorX), y0 = Int(floorY)
                    let fx = Float(sourceX - floorX), fy = Float(sourceY - floorY)
                    let w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy
                    if x0 >= 0, y0 >= 0, x0 + 1 < sourceWidth, y0 + 1 < sourceHeight {
                        let p00 = (y0 * sourceWidth + x0) * c, p10 = p00 + sourceWidth * c
                        for k in 0..<c {
                            let value = w00 * Float(source[p00 + k]) + w01 * Float(source[p00 + c + k])
                                + w10 * Float(source[p10 + k]) + w11 * Float(source[p10 + c + k])
                            destination[out + k] = UInt8(value + 0.5)
                        }
                    } else {
                        let left = x0 >= 0, right = x0 + 1 < sourceWidth, top = y0 >= 0, bottom = y0 + 1 < sourceHeight
                        for k in 0..<c {
                            func tap(_ inside: Bool, _ column: Int, _ row: Int) -> Float {
                                inside ? Float(source[(row * sourceWidth + column) * c + k]) : fillValue
                            }
                            let value = w00 * tap(left && top, x0, y0) + w01 * tap(right && top, x0 + 1, y0)
                                + w10 * tap(left && bottom, x0, y0 + 1) + w11 * tap(right && bottom, x0 + 1, y0 + 1)
                            destination[out + k] = UInt8(value + 0.5)
                        }
                    }
                }
            }
        }
    }
}
