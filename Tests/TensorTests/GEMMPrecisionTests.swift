import Foundation
import Tensor
import TestSupport
import XCTest

/// The choice of GEMM path, bf16 rounding, and the bf16 GEMM itself against a double reference on rounded operands.
final class GEMMPrecisionTests: XCTestCase {
    private let amxCPU = CPUFeatures(model: "Xeon", flags: ["avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16", "amx_tile", "amx_bf16"])
    private let bf16CPU = CPUFeatures(model: "EPYC", flags: ["avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"])
    private let avx2CPU = CPUFeatures(model: "Zen 3", flags: ["avx", "avx2", "fma"])

    func testDispatchPrefersAMXThenAVX512BF16ThenFP32() throws {
        XCTAssertEqual(GEMMPrecision.choose(.bf16, features: amxCPU).path, .bf16(.amx))
        XCTAssertEqual(GEMMPrecision.choose(.bf16, features: bf16CPU).path, .bf16(.avx512BF16))
        let (path, note) = GEMMPrecision.choose(.bf16, features: avx2CPU)
        XCTAssertEqual(path, .fp32)
        XCTAssertEqual(note, "precision bf16: this CPU (Zen 3; AVX AVX2 FMA) has neither AMX nor AVX512-BF16, so the GEMMs run in fp32")
        for cpu in [amxCPU, bf16CPU, avx2CPU] { XCTAssertEqual(GEMMPrecision.choose(.fp32, features: cpu).path, .fp32) }
        XCTAssertNil(GEMMPrecision.choose(.fp32, features: avx2CPU).note)
    }

    func testBF16OnACPUWithoutItTrainsInFP32AndSaysSo() throws {
        let note = try GEMMPrecision.activate(.bf16, features: avx2CPU)
        XCTAssertEqual(GEMMPrecision.active, .fp32)
        XCTAssertEqual(GEMMPrecision.description, "GEMMs: fp32 (OpenBLAS)")
        XCTAssertTrue(note?.contains("neither AMX nor AVX512-BF16") ?? false, "\(note ?? "no note")")
    }

    func testAJobWhoseRanksRunDifferentGEMMsSaysSo() {
        let bf16 = "GEMMs: bf16 operands, fp32 accumulation (oneDNN 2.6.3 on AMX)", fp32 = "GEMMs: fp32 (OpenBLAS)"
        XCTAssertNil(GEMMPrecision.mixedRanksNote(descriptions: [bf16, bf16, bf16]))
        XCTAssertEqual(GEMMPrecision.mixedRanksNote(descriptions: [bf16, bf16, fp32, bf16]),
                       "the ranks' GEMMs differ (their CPUs do): rank 0 has \(bf16); rank 2 has \(fp32)")
    }

    /// Without AMX Linux refuses the tile permission. With AMX it grants it on Linux 5.16 and later, and bf16 then runs
    /// on AMX; where it refuses (older kernels), bf16 runs on AVX512-BF16 and the note says why.
    func testAMXIsUsedExactlyWhereLinuxGrantsIt() throws {
        let refusal = GEMMPrecision.requestAMXPermission()
        guard CPUFeatures.current.hasAMX else {
            XCTAssertNotEqual(refusal, 0, "Linux granted AMX tile data on a CPU without AMX")
            return
        }
        let note = try GEMMPrecision.activate(.bf16)
        defer { _ = try? GEMMPrecision.activate(.fp32) }
        if refusal == 0 {
            XCTAssertEqual(GEMMPrecision.active, .bf16(.amx))
            XCTAssertNil(note)
        } else {
            XCTAssertEqual(GEMMPrecision.active, .bf16(.avx512BF16))
            XCTAssertTrue(note?.contains("Linux refused the AMX tile permission") ?? false, note ?? "no note")
        }
    }

    func testRoundingToNearestEven() throws {
        try requireBF16GEMMs()
        let one = Float(1), ulp = Float(1) / 128  // bf16 has 7 explicit mantissa bits
        var values: [Float] = [0, -0, one, -one, one + ulp / 2, one + 3 * ulp / 2, one + ulp / 2 + ulp / 1024, 3.14159265,
                               .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 1e-40, 65504]
        var random = SeededRandom(seed: 3)
        values += random.floats(1000, -1e3, 1e3)  // 1014 values: 63 vectors of 16 and a tail of 6
        var rounded = [UInt16](repeating: 0, count: values.count)
        GEMMPrecision.roundToBF16(values, &rounded, count: values.count)
        for (value, bits) in zip(values, rounded) {
            let expected = bf16Rounded(value).bitPattern >> 16
            XCTAssertEqual(bits, UInt16(expected), "bf16 of \(value)")
        }
        // Ties go to even: 1 + ulp/2 down to 1, 1 + 3 ulp/2 up to 1 + 2 ulp; past the tie up.
        XCTAssertEqual(rounded[4], 0x3F80)
        XCTAssertEqual(rounded[5], 0x3F82)
        XCTAssertEqual(rounded[6], 0x3F81)
        var nan = [UInt16](repeating: 0, count: 1)
        GEMMPrecision.roundToBF16([Float.nan], &nan, count: 1)
        XCTAssertTrue(Float(bitPattern: UInt32(nan[0]) << 16).isNaN)
    }

    /// Every transposition, alpha and beta, a leading dimension wider than the rows, and sizes off the vector width:
    /// C = alpha * bf16(A) bf16(B) + beta * C to fp32 accuracy (|error| <= 1e-6 * sum |a||b| + 1e-6 |C|).
    func testGEMMMultipliesBF16OperandsWithFP32Accumulation() throws {
        try requireBF16GEMMs()
        var random = SeededRandom(seed: 9)
        let (m, n, k) = (7, 19, 37)
        for transA in [false, true] {
            for transB in [false, true] {
                for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (0.5, 0.25)] {
                    let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2
                    let a = random.floats((transA ? k : m) * lda), b = random.floats((transB ? n : k) * ldb)
                    let c0 = random.floats(m * ldc)
                    var c = c0
                    try GEMMPrecision.with(.bf16) {
                        BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                  beta: beta, c: &c, ldc: ldc)
                    }
                    for i in 0..<m {
                        for j in 0..<ldc {
                            let what = "transA \(transA) transB \(transB) alpha \(alpha) beta \(beta) C[\(i),\(j)]"
                            guard j < n else { XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j], what + " (past n) changed"); continue }
                            var sum = 0.0, magnitude = 0.0
                            for p in 0..<k {
                                let x = Double(bf16Rounded(transA ? a[p * lda + i] : a[i * lda + p]))
                                let y = Double(bf16Rounded(transB ? b[j * ldb + p] : b[p * ldb + j]))
                                sum += x * y
                                magnitude += abs(x * y)
                            }
                            let expected = Double(alpha) * sum + Double(beta) * Double(c0[i * ldc + j])
                            XCTAssertEqual(Double(c[i * ldc + j]), expected, accuracy: 1e-6 * magnitude + 1e-6 * abs(expected), what)
                        }
                    }
                }
            }
        }
        XCTAssertTrue(try GEMMPrecision.with(.bf16) { GEMMPrecision.description }.contains("kernels "), "no oneDNN kernel recorded")
        XCTAssertEqual(GEMMPrecision.active, .fp32, "with(.bf16) must restore fp32")
    }

    /// Ranks of the in-process test double are threads of one process: their bf16 GEMMs (shared operand buffers and
    /// primitive cache) must not mix. Two threads multiply different shapes many times; each result must equal the one
    /// computed alone.
    func testConcurrentCallersGetTheirOwnResults() throws {
        try requireBF16GEMMs()
        var random = SeededRandom(seed: 21)
        let shapes = [(m: 256, n: 128, k: 576), (m: 96, n: 320, k: 300)]  // about 0.2 ms each: threads get preempted mid-GEMM
        let operands = shapes.map { (a: random.floats($0.m * $0.k), b: random.floats($0.k * $0.n)) }
        @Sendable func multiply(_ index: Int) -> [Float] {
            let (m, n, k) = shapes[index]
            var c = [Float](repeating: 0, count: m * n)
            BLAS.gemm(transA: false, transB: false, m: m, n: n, k: k, a: operands[index].a, lda: k, b: operands[index].b, ldb: n, beta: 0, c: &c, ldc: n)
            return c
        }
        try GEMMPrecision.with(.bf16) {
            let alone = [multiply(0), multiply(1)]
            let mismatches = ManagedAtomicCounter()
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                for _ in 0..<150 where multiply(index) != alone[index] { mismatches.increment() }
            }
            XCTAssertEqual(mismatches.value, 0, "bf16 GEMMs of concurrent callers mixed their results")
        }
    }
}

/// A counter several threads may increment.
private final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
