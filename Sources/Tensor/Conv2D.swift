extension ConvGeometry {
    /// The output shape for `input`, or an error naming `layer` when the input does not fit.
    public func outputShape(for input: TensorShape, layer: String) throws -> TensorShape {
        guard input.c == inChannels else {
            throw TensorError.shapeMismatch(layer: layer, message: "expects \(inChannels) input channels, got input \(input)")
        }
        guard kernel >= 1, stride >= 1, padding >= 0 else {
            throw TensorError.invalidArgument(layer: layer, message: "kernel \(kernel), stride \(stride), padding \(padding)")
        }
        let h = (input.h + 2 * padding - kernel) / stride + 1
        let w = (input.w + 2 * padding - kernel) / stride + 1
        guard h >= 1, w >= 1, input.h + 2 * padding >= kernel, input.w + 2 * padding >= kernel else {
            throw TensorError.shapeMismatch(layer: layer, message: "input \(input) is smaller than kernel \(kernel)")
        }
        return TensorShape(n: input.n, h: h, w: w, c: outChannels)
    }
}

/// Convolution as im2col + GEMM (Darknet style), tiled over output pixels so the column buffer stays
/// bounded; 1x1 convs skip im2col. Forward and backward are a pair over the same geometry.
public enum Conv2D {
    /// Rows of one im2col tile of `valueBytes`-sized values for this geometry and workspace budget.
    static func tileRows(_ g: ConvGeometry, pixels: Int, workspace: Workspace, valueBytes: Int = MemoryLayout<Float>.stride) -> Int {
        let rows = workspace.im2colTileBytes / (g.columns * valueBytes)
        return min(pixels, max(rows, 1))
    }

    /// output[N,Ho,Wo,Cout] = conv(input[N,H,W,Cin], weight[Cout,k,k,Cin]) + bias[Cout].
    public static func forward(
        input: UnsafePointer<Float>, inputShape: TensorShape, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, outputShape: TensorShape, geometry g: ConvGeometry, workspace: Workspace
    ) {
        let pixels = outputShape.pixels
        if g.isPointwise {
            // out[P, Cout] = in[P, Cin] * W^T[Cin, Cout]
            BLAS.gemm(transA: false, transB: true, m: pixels, n: g.outChannels, k: g.inChannels,
                      a: input, lda: g.inChannels, b: weight, ldb: g.inChannels, beta: 0, c: output, ldc: g.outChannels)
        } else {
            let tiles = ColumnTiles(input: input, inputShape: inputShape, outputShape: outputShape, geometry: g, workspace: workspace)
            let weights = weightOperand(weight, geometry: g, workspace: workspace)
            var row = 0
            while row < pixels {
                let rows = min(tiles.rows, pixels - row)
                // out[rows, Cout] = cols[rows, K] * W^T[K, Cout]
                BLAS.gemm(transA: false, transB: true, m: rows, n: g.outChannels, k: g.columns,
                          a: tiles.gather(firstRow: row, rowCount: rows), b: weights, beta: 0,
                          c: output + row * g.outChannels, ldc: g.outChannels)
                row += rows
            }
        }
        if let bias { addRowVector(bias, to: output, rows: pixels, columns: g.outChannels) }
    }

    /// Given dL/doutput, accumulates dL/dweight (+=) and dL/dbias (+=), and writes dL/dinput (overwrites, or
    /// adds when `accumulateInputGradient`). Pass `inputGradient: nil` for a network input.
    public static func backward(
        input: UnsafePointer<Float>, inputShape: TensorShape, weight: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>, outputShape: TensorShape,
        inputGradient: UnsafeMutablePointer<Float>?, accumulateInputGradient: Bool,
        weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>?,
        geometry g: ConvGeometry, workspace: Workspace
    ) {
        // Both GEMMs read dL/doutput: with bf16 GEMMs it is rounded once for the two.
        let upstream = inputGradient == nil ? .float(outputGradient, leadingDimension: g.outChannels)
            : gemmOperand(outputGradient, count: outputShape.count, rowLength: g.outChannels, slot: .gradient, workspace: workspace)
        backwardWeight(input: input, inputShape: inputShape, outputGradient: outputGradient, upstream: upstream, outputShape: outputShape,
                       weightGradient: weightGradient, biasGradient: biasGradient, geometry: g, workspace: workspace)
        if let inputGradient {
            backwardInput(weight: weight, upstream: upstream, outputShape: outputShape, inputGradient: inputGradient,
                          inputShape: inputShape, accumulate: accumulateInputGradient, geometry: g, workspace: workspace)
        }
    }

    /// dweight[Cout, K] += doutput^T * im2col(input); dbias[Cout] += column sums of doutput.
    public static func backwardWeight(
        input: UnsafePointer<Float>, inputShape: TensorShape, outputGradient: UnsafePointer<Float>, outputShape: TensorShape,
        weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>?,
        geometry g: ConvGeometry, workspace: Workspace
    ) {
        backwardWeight(input: input, inputShape: inputShape, outputGradient: outputGradient,
                       upstream: .float(outputGradient, leadingDimension: g.outChannels), outputShape: outputShape,
                       weightGradient: weightGradient, biasGradient: biasGradient, geometry: g, workspace: workspace)
    }

    /// `backwardWeight` with dL/doutput also as a GEMM operand (`upstream`: the same values, possibly rounded already).
    static func backwardWeight(
        input: UnsafePointer<Float>, inputShape: TensorShape, outputGradient: UnsafePointer<Float>, upstream: GEMMPrecision.Operand,
        outputShape: TensorShape, weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>?,
        geometry g: ConvGeometry, workspace: Workspace
    ) {
        let pixels = outputShape.pixels
        if let biasGradient { addColumnSums(of: outputGradient, rows: pixels, columns: g.outChannels, to: biasGradient) }
        if g.isPointwise {
            // dW[Cout, Cin] += dOut^T[Cout, P] * in[P, Cin]
            BLAS.gemm(transA: true, transB: false, m: g.outChannels, n: g.inChannels, k: pixels,
                      a: upstream, b: .float(input, leadingDimension: g.inChannels), beta: 1,
                      c: weightGradient, ldc: g.inChannels)
            return
        }
        let tiles = ColumnTiles(input: input, inputShape: inputShape, outputShape: outputShape, geometry: g, workspace: workspace)
        var row = 0
        while row < pixels {
            let rows = min(tiles.rows, pixels - row)
            // dW[Cout, K] += dOut^T[Cout, rows] * cols[rows, K]
            BLAS.gemm(transA: true, transB: false, m: g.outChannels, n: g.columns, k: rows,
                      a: upstream.fromRow(row, rowLength: g.outChannels),
                      b: tiles.gather(firstRow: row, rowCount: rows), beta: 1, c: weightGradient, ldc: g.columns)
            row += rows
        }
    }

    /// dinput (+)= col2im(doutput * weight).
    public static func backwardInput(
        weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, outputShape: TensorShape,
        inputGradient: UnsafeMutablePointer<Float>, inputShape: TensorShape, accumulate: Bool,
        geometry g: ConvGeometry, workspace: Workspace
    ) {
        backwardInput(weight: weight, upstream: .float(outputGradient, leadingDimension: g.outChannels), outputShape: outputShape,
                      inputGradient: inputGradient, inputShape: inputShape, accumulate: accumulate, geometry: g, workspace: workspace)
    }

    /// `backwardInput` from dL/doutput as a GEMM operand (possibly rounded already).
    static func backwardInput(
        weight: UnsafePointer<Float>, upstream: GEMMPrecision.Operand, outputShape: TensorShape,
        inputGradient: UnsafeMutablePointer<Float>, inputShape: TensorShape, accumulate: Bool,
        geometry g: ConvGeometry, workspace: Workspace
    ) {
        let pixels = outputShape.pixels
        if g.isPointwise {
            // dIn[P, Cin] (+)= dOut[P, Cout] * W[Cout, Cin]
            BLAS.gemm(transA: false, transB: false, m: pixels, n: g.inChannels, k: g.outChannels,
                      a: upstream, b: .float(weight, leadingDimension: g.inChannels),
                      beta: accumulate ? 1 : 0, c: inputGradient, ldc: g.inChannels)
            return
        }
        let tile = tileRows(g, pixels: pixels, workspace: workspace)
        let columnGradient = workspace.scratch(tile * g.columns)
        let weights = weightOperand(weight, geometry: g, workspace: workspace)
        if !accumulate { inputGradient.update(repeating: 0, count: inputShape.count) }
        var row = 0
        while row < pixels {
            let rows = min(tile, pixels - row)
            // dCols[rows, K] = dOut[rows, Cout] * W[Cout, K], then scattered back onto the input pixels
            BLAS.gemm(transA: false, transB: false, m: rows, n: g.columns, k: g.outChannels,
                      a: upstream.fromRow(row, rowLength: g.outChannels), b: weights, beta: 0,
                      c: columnGradient, ldc: g.columns)
            Im2Col.scatterAdd(columns: columnGradient, inputGradient: inputGradient, inputShape: inputShape,
                              outputShape: outputShape, geometry: g, firstRow: row, rowCount: rows)
            row += rows
        }
    }

    /// The weight [Cout, K] as an operand of a conv's tiled GEMMs: with bf16 GEMMs rounded once for all tiles (a deep
    /// layer's weight outweighs its tile of columns, and rounding it per tile cost more than the columns did).
    static func weightOperand(_ weight: UnsafePointer<Float>, geometry g: ConvGeometry, workspace: Workspace) -> GEMMPrecision.Operand {
        gemmOperand(weight, count: g.weightCount, rowLength: g.columns, slot: .second, workspace: workspace)
    }

    /// A packed matrix (`rowLength` values a row) that several GEMMs read: with bf16 GEMMs rounded once into the bf16
    /// scratch `slot`, else the values themselves.
    static func gemmOperand(_ values: UnsafePointer<Float>, count: Int, rowLength: Int, slot: Workspace.Slot,
                            workspace: Workspace) -> GEMMPrecision.Operand {
        guard GEMMPrecision.active != .fp32 else { return .float(values, leadingDimension: rowLength) }
        let rounded = workspace.bf16Scratch(count, slot: slot)
        GEMMPrecision.roundToBF16(values, rounded, count: count)
        return .rounded(rounded)
    }

    /// Converts PyTorch's OIHW weight order to the engine's [O][kh][kw][I] order.
    public static func weightFromPyTorch(_ oihw: UnsafePointer<Float>, to ohwi: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        let k2 = g.kernel * g.kernel
        for o in 0..<g.outChannels {
            for i in 0..<g.inChannels {
                for s in 0..<k2 { ohwi[(o * k2 + s) * g.inChannels + i] = oihw[(o * g.inChannels + i) * k2 + s] }
            }
        }
    }

    /// Converts the engine's [O][kh][kw][I] weight order to PyTorch's OIHW.
    public static func weightToPyTorch(_ ohwi: UnsafePointer<Float>, to oihw: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        let k2 = g.kernel * g.kernel
        for o in 0..<g.outChannels {
            for i in 0..<g.inChannels {
                for s in 0..<k2 { oihw[(o * g.inChannels + i) * k2 + s] = ohwi[(o * k2 + s) * g.inChannels + i] }
            }
        }
    }
}

/// matrix[rows, columns] += vector[columns] on every row.
@inline(__always)
func addRowVector(_ vector: UnsafePointer<Float>, to matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let row = matrix + r * columns
        for j in 0..<columns { row[j] += vector[j] }
    }
}

/// sums[columns] += column sums of matrix[rows, columns].
@inline(__always)
func addColumnSums(of matrix: UnsafePointer<Float>, rows: Int, columns: Int, to sums: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = matrix + r * columns
        for j in 0..<columns { sums[j] += row[j] }
    }
}

/// im2col and its adjoint for `Conv2D`'s tiles, booked under im2col (`KernelSet.im2col` and `col2imAdd`).
enum Im2Col {
    /// columns[rowCount, K] = receptive fields of output pixels firstRow ..< firstRow + rowCount.
    static func gather(input: UnsafePointer<Float>, inputShape: TensorShape, outputShape: TensorShape, geometry: ConvGeometry,
                       firstRow: Int, rowCount: Int, columns: UnsafeMutablePointer<Float>) {
        OpProfiler.measure(.im2col) {
            KernelVariant.kernels.im2col(input: input, inputShape: inputShape, outputShape: outputShape, geometry: geometry,
                                         firstRow: firstRow, rowCount: rowCount, columns: columns)
        }
    }

    /// The same of bf16 values.
    static func gather(input: UnsafePointer<UInt16>, inputShape: TensorShape, outputShape: TensorShape, geometry: ConvGeometry,
                       firstRow: Int, rowCount: Int, columns: UnsafeMutablePointer<UInt16>) {
        OpProfiler.measure(.im2col) {
            KernelVariant.kernels.im2col(input: input, inputShape: inputShape, outputShape: outputShape, geometry: geometry,
                                         firstRow: firstRow, rowCount: rowCount, columns: columns)
        }
    }

    /// inputGradient += the column-gradient rows of output pixels firstRow ..< firstRow + rowCount, put back where
    /// `gather` took them from.
    static func scatterAdd(columns: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>, inputShape: TensorShape,
                           outputShape: TensorShape, geometry: ConvGeometry, firstRow: Int, rowCount: Int) {
        OpProfiler.measure(.im2col) {
            KernelVariant.kernels.col2imAdd(columns: columns, inputGradient: inputGradient, inputShape: inputShape, outputShape: outputShape,
                                            geometry: geometry, firstRow: firstRow, rowCount: rowCount)
        }
    }
}

/// A conv's im2col tiles as GEMM operands: fp32 columns, or, with bf16 GEMMs, bf16 columns gathered from the input
/// rounded once (one rounding of the input instead of one of every column copy, and half the bytes to gather).
struct ColumnTiles {
    let input: UnsafePointer<Float>, inputShape: TensorShape, outputShape: TensorShape, geometry: ConvGeometry
    /// Output pixels per tile.
    let rows: Int
    private let floatColumns: UnsafeMutablePointer<Float>?
    private let roundedInput: UnsafePointer<UInt16>?, roundedColumns: UnsafeMutablePointer<UInt16>?

    init(input: UnsafePointer<Float>, inputShape: TensorShape, outputShape: TensorShape, geometry g: ConvGeometry, workspace: Workspace) {
        (self.input, self.inputShape, self.outputShape, geometry) = (input, inputShape, outputShape, g)
        // bf16 columns take half the bytes, so a tile holds twice the rows (fewer, larger GEMMs)
        let valueBytes = GEMMPrecision.active == .fp32 ? MemoryLayout<Float>.stride : MemoryLayout<UInt16>.stride
        rows = Conv2D.tileRows(g, pixels: outputShape.pixels, workspace: workspace, valueBytes: valueBytes)
        if GEMMPrecision.active == .fp32 {
            floatColumns = workspace.scratch(rows * g.columns)
            (roundedInput, roundedColumns) = (nil, nil)
        } else {
            let rounded = workspace.bf16Scratch(inputShape.count, slot: .first)
            GEMMPrecision.roundToBF16(input, rounded, count: inputShape.count)
            (floatColumns, roundedInput, roundedColumns) = (nil, UnsafePointer(rounded), workspace.bf16Scratch(rows * g.columns))
        }
    }

    /// The columns of output pixels firstRow ..< firstRow + rowCount (valid until the next gather).
    func gather(firstRow: Int, rowCount: Int) -> GEMMPrecision.Operand {
        if let roundedInput, let roundedColumns {
            Im2Col.gather(input: roundedInput, inputShape: inputShape, outputShape: outputShape, geometry: geometry, firstRow: firstRow,
                          rowCount: rowCount, columns: roundedColumns)
            return .rounded(roundedColumns)
        }
        Im2Col.gather(input: input, inputShape: inputShape, outputShape: outputShape, geometry: geometry, firstRow: firstRow,
                      rowCount: rowCount, columns: floatColumns!)
        return .float(floatColumns!, leadingDimension: geometry.columns)
    }
}
