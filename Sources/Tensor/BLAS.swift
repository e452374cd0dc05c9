import CBLAS

/// Thin, row-major wrappers over OpenBLAS. Every GEMM in the engine goes through `gemm`, which hands it to oneDNN's
/// bf16 matmul instead when `GEMMPrecision` chose bf16.
public enum BLAS {
    /// Sets the number of OpenBLAS threads for this process (one per rank by default).
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(count, 1)))
        GEMMPrecision.setThreads(count)
    }

    /// The most threads this OpenBLAS build runs (its MAX_THREADS; 64 when the build does not say).
    public static var maximumThreads: Int {
        guard let range = configuration.range(of: "MAX_THREADS=") else { return 64 }
        return Int(configuration[range.upperBound...].prefix { $0.isNumber }) ?? 64
    }

    /// The number of threads OpenBLAS will use.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// OpenBLAS's build description (core type, threading), for benchmark headers.
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }

    /// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major; op(A) is m x k, op(B) is k x n. With bf16 GEMMs, A and
    /// B are rounded to bf16 and the products accumulated in fp32.
    @inline(__always)
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if GEMMPrecision.active != .fp32 {
            GEMMPrecision.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: .float(a, leadingDimension: lda),
                               b: .float(b, leadingDimension: ldb), beta: beta, c: c, ldc: ldc)
            return
        }
        guard m > 0, n > 0 else { return }
        OpProfiler.addGEMM(m: m, n: n, k: k)
        OpProfiler.measure(.gemm) {
            cblas_sgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// `gemm` on operands of which some may be bf16 already (`GEMMPrecision.Operand.rounded`, only while bf16 GEMMs
    /// are active).
    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1, a: GEMMPrecision.Operand,
                            b: GEMMPrecision.Operand, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if case .float(let aValues, let lda) = a, case .float(let bValues, let ldb) = b {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: aValues, lda: lda, b: bValues, ldb: ldb, beta: beta, c: c, ldc: ldc)
        } else {
            GEMMPrecision.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c, ldc: ldc)
        }
    }
}
