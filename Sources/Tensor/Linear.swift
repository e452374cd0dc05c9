/// A fully connected layer, weight [out, in] in PyTorch's layout.
public enum Linear {
    /// output[N, out] = input[N, in] * W^T + bias
    public static func forward(input: UnsafePointer<Float>, batch: Int, inFeatures: Int, outFeatures: Int,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        BLAS.gemm(transA: false, transB: true, m: batch, n: outFeatures, k: inFeatures,
                  a: input, lda: inFeatures, b: weight, ldb: inFeatures, beta: 0, c: output, ldc: outFeatures)
        if let bias { addRowVector(bias, to: output, rows: batch, columns: outFeatures) }
    }

    /// dW += dy^T x, db += column sums of dy, dx (+)= dy W.
    public static func backward(input: UnsafePointer<Float>, batch: Int, inFeatures: Int, outFeatures: Int,
                                weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?, accumulateInputGradient: Bool,
                                weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>?) {
        BLAS.gemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: batch,
                  a: outputGradient, lda: outFeatures, b: input, ldb: inFeatures, beta: 1, c: weightGradient, ldc: inFeatures)
        if let biasGradient { addColumnSums(of: outputGradient, rows: batch, columns: outFeatures, to: biasGradient) }
        if let inputGradient {
            BLAS.gemm(transA: false, transB: false, m: batch, n: inFeatures, k: outFeatures,
                      a: outputGradient, lda: outFeatures, b: weight, ldb: inFeatures,
                      beta: accumulateInputGradient ? 1 : 0, c: inputGradient, ldc: inFeatures)
        }
    }
}
