import CBF16GEMM
import Foundation
import Support

/// What multiplies the GEMMs of this process: OpenBLAS's fp32 sgemm, or oneDNN's matmul on bf16 operands with fp32
/// accumulation, on AMX tiles or with AVX512-BF16 dot products. Chosen once per process by `activate` from the
/// requested precision and the CPU: AMX, else AVX512-BF16, else fp32 (with a note saying so).
public enum GEMMPrecision {
    /// The unit a bf16 GEMM runs on.
    public enum BF16Unit: String, Sendable {
        case amx = "AMX", avx512BF16 = "AVX512-BF16"
    }

    /// The GEMM path of this process.
    public enum Path: Equatable, Sendable {
        case fp32
        case bf16(BF16Unit)
    }

    /// The path in use (fp32 until `activate` chooses bf16).
    nonisolated(unsafe) public private(set) static var active: Path = .fp32
    /// The unit oneDNN was limited to by the first bf16 activation.
    nonisolated(unsafe) private static var configuredUnit: BF16Unit?

    /// A failure of the bf16 GEMM library, with the call that failed and oneDNN's status.
    public struct Failure: Error, CustomStringConvertible {
        public let call: String
        public let status: Int32
        public var description: String { "oneDNN \(String(cString: spd_bf16_library_version())): \(call) failed with status \(status) (\(statusName))" }
        var statusName: String {
            switch status {
            case 1: return "out of memory"
            case 2: return "invalid arguments"
            case 3: return "unimplemented"
            case 5: return "runtime error"
            default: return "see dnnl_status_t"
            }
        }
    }

    /// The path for `precision` on a CPU with `features`, and a note when bf16 was asked for and cannot be had.
    public static func choose(_ precision: Precision, features: CPUFeatures) -> (path: Path, note: String?) {
        guard precision == .bf16 else { return (.fp32, nil) }
        if features.hasAMX && features.hasAVX512BF16 { return (.bf16(.amx), nil) }
        if features.hasAVX512BF16 { return (.bf16(.avx512BF16), nil) }
        return (.fp32, "precision bf16: this CPU (\(features.model); \(features.summary)) has neither AMX nor AVX512-BF16, so the GEMMs run in fp32")
    }

    /// Chooses and sets up the GEMM path for `precision` on this CPU. On AMX it asks Linux for the tile permission
    /// first and, when refused, uses AVX512-BF16. Returns a note for the user when the path is not what was asked for
    /// (`description` says what runs). Call before the first GEMM. A process may switch back to fp32 (and to bf16
    /// again), but not from one bf16 unit to the other.
    @discardableResult
    public static func activate(_ precision: Precision, features: CPUFeatures = .current) throws -> String? {
        var (path, note) = choose(precision, features: features)
        if case .bf16(.amx) = path {
            let refusal = requestAMXPermission()
            if refusal != 0 {
                path = .bf16(.avx512BF16)
                note = "precision bf16: Linux refused the AMX tile permission (arch_prctl ARCH_REQ_XCOMP_PERM: \(String(cString: strerror(refusal)))), so the GEMMs use AVX512-BF16"
            }
        }
        if case .bf16(let unit) = path, unit != configuredUnit {
            // oneDNN takes its ISA limit once, before its first primitive.
            guard configuredUnit == nil else {
                throw Failure(call: "GEMMPrecision.activate (bf16 on \(unit.rawValue) after bf16 on \(configuredUnit!.rawValue) in one process)", status: 2)
            }
            let status = spd_bf16_set_max_isa(unit == .amx ? 1 : 0)
            guard status == 0 else { throw Failure(call: "dnnl_set_max_cpu_isa", status: Int32(status)) }
            configuredUnit = unit
        }
        if case .bf16 = path { setThreads(BLAS.threads) }
        active = path
        return note
    }

    /// Runs `body` with the GEMM path for `precision`, then restores the path before (e.g. to compare both in one
    /// process). Throws what `activate` throws; the note, if any, is dropped.
    public static func with<R>(_ precision: Precision, _ body: () throws -> R) throws -> R {
        let previous = active
        try activate(precision)
        defer { active = previous }
        return try body()
    }

    /// "GEMMs: fp32 (OpenBLAS)" or "GEMMs: bf16 operands, fp32 accumulation (oneDNN 2.6.3 on AVX512-BF16; kernels
    /// brg:avx512_core_bf16)": what runs the GEMMs, and the oneDNN kernels used so far.
    public static var description: String {
        switch active {
        case .fp32: return "GEMMs: fp32 (OpenBLAS)"
        case .bf16(let unit):
            let kernels = String(cString: spd_bf16_implementations())
            return "GEMMs: bf16 operands, fp32 accumulation (oneDNN \(String(cString: spd_bf16_library_version())) on \(unit.rawValue)"
                + (kernels.isEmpty ? ")" : "; kernels \(kernels))")
        }
    }

    /// A note when the ranks of one job run different GEMM paths (`descriptions`: every rank's `description`, as
    /// nodes of different CPUs give), naming rank 0's and the first different one; nil when all agree.
    public static func mixedRanksNote(descriptions: [String]) -> String? {
        guard let other = descriptions.firstIndex(where: { $0 != descriptions[0] }) else { return nil }
        return "the ranks' GEMMs differ (their CPUs do): rank 0 has \(descriptions[0]); rank \(other) has \(descriptions[other])"
    }

    /// Sets the threads oneDNN uses (as OpenBLAS's, one per rank by default).
    static func setThreads(_ count: Int) { spd_bf16_set_threads(Int32(max(count, 1))) }

    /// A bf16 GEMM operand: fp32 values with their leading dimension (rounded by the GEMM), or values already
    /// rounded to bf16, packed (leading dimension = stored row length).
    public enum Operand {
        case float(UnsafePointer<Float>, leadingDimension: Int)
        case rounded(UnsafePointer<UInt16>)
    }

    /// C[m x n] = alpha * op(A) * op(B) + beta * C on bf16 operands with fp32 accumulation (see `BLAS.gemm`); only
    /// while bf16 GEMMs are active. A failure of oneDNN here, after `activate`, is as fatal as running out of memory
    /// in the middle of a step and stops the process with the failing call and status.
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1, a: Operand, b: Operand,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(active != .fp32, "GEMMPrecision.gemm without bf16 GEMMs active")
        guard m > 0, n > 0 else { return }
        OpProfiler.addGEMM(m: m, n: n, k: k)
        OpProfiler.measure(.gemm) {
            var failedCall: UnsafePointer<CChar>?
            let (aFloat, lda, aRounded) = a.parts, (bFloat, ldb, bRounded) = b.parts
            let status = spd_bf16_gemm(transA ? 1 : 0, transB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, aFloat, Int64(lda), aRounded,
                                       bFloat, Int64(ldb), bRounded, beta, c, Int64(ldc), &failedCall)
            guard status == 0 else {
                let failure = Failure(call: failedCall.map { String(cString: $0) } ?? "spd_bf16_gemm", status: Int32(status))
                fatalError("bf16 GEMM \(m)x\(n)x\(k) (transA \(transA), transB \(transB)): \(failure)")
            }
        }
    }

    /// Asks Linux for the AMX tile permission (needed before the first AMX instruction): 0, or the errno of the refusal.
    public static func requestAMXPermission() -> Int32 { spd_amx_request_permission() }

    /// Rounds `count` floats to bf16 (round to nearest even; subnormals to zero), as the bf16 GEMMs do to their
    /// operands. Only where the CPU has AVX512-BF16.
    public static func roundToBF16(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<UInt16>, count: Int) {
        OpProfiler.measure(.bf16Rounding) { spd_bf16_round(source, destination, count) }
    }
}

extension GEMMPrecision.Operand {
    /// The same matrix from row `row` on; `rowLength` is the stored row length of rounded values.
    func fromRow(_ row: Int, rowLength: Int) -> Self {
        switch self {
        case .float(let values, let leadingDimension): return .float(values + row * leadingDimension, leadingDimension: leadingDimension)
        case .rounded(let values): return .rounded(values + row * rowLength)
        }
    }

    /// (fp32 values or nil, their leading dimension, rounded values or nil) for the C call.
    fileprivate var parts: (UnsafePointer<Float>?, Int, UnsafePointer<UInt16>?) {
        switch self {
        case .float(let values, let leadingDimension): return (values, leadingDimension, nil)
        case .rounded(let values): return (nil, 0, values)
        }
    }
}
