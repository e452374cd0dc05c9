import Tensor
import XCTest

/// The choice of OpenBLAS core from the CPU's features and OpenBLAS's own choice, and /proc/cpuinfo parsing.
final class BLASCoreTests: XCTestCase {
    private let avx512 = CPUFeatures(model: "Intel(R) Xeon(R) Processor",
                                     flags: ["avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16", "amx_tile", "amx_bf16"])
    private let avx2 = CPUFeatures(model: "AMD EPYC 7B13", flags: ["avx", "avx2", "fma"])

    func testAGenericCoreIsReplacedByTheBestTheCPUSupports() {
        XCTAssertEqual(BLASCore.preferredCore(selected: "Prescott", features: avx512, explicit: nil), "SkylakeX")
        XCTAssertEqual(BLASCore.preferredCore(selected: "Prescott", features: avx2, explicit: nil), "Haswell")
        XCTAssertEqual(BLASCore.preferredCore(selected: "Nehalem", features: avx2, explicit: ""), "Haswell")
        XCTAssertEqual(BLASCore.preferredCore(selected: "Haswell", features: avx512, explicit: nil), "SkylakeX")
        XCTAssertEqual(BLASCore.preferredCore(selected: "Sandybridge", features: avx2, explicit: nil), "Haswell")
    }

    func testAGoodOrExplicitOrUnknownCoreIsKept() {
        XCTAssertNil(BLASCore.preferredCore(selected: "Cooperlake", features: avx512, explicit: nil))
        XCTAssertNil(BLASCore.preferredCore(selected: "Zen", features: avx2, explicit: nil))
        XCTAssertNil(BLASCore.preferredCore(selected: "Prescott", features: avx512, explicit: "Prescott"), "OPENBLAS_CORETYPE is the user's")
        XCTAssertNil(BLASCore.preferredCore(selected: "NEOVERSEN1", features: CPUFeatures(model: "arm", flags: ["asimd"]), explicit: nil))
        XCTAssertNil(BLASCore.preferredCore(selected: "Prescott", features: CPUFeatures(model: "old", flags: ["sse3"]), explicit: nil))
    }

    func testFeaturesFromCPUInfo() {
        let text = """
        processor\t: 0
        model name\t: AMD EPYC 9R14
        flags\t\t: fpu sse2 avx avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl avx512_bf16
        processor\t: 1
        model name\t: other
        flags\t\t: fpu
        """
        let features = CPUFeatures(cpuinfo: text)
        XCTAssertEqual(features.model, "AMD EPYC 9R14")
        XCTAssertTrue(features.hasAVX2 && features.hasAVX512 && features.hasAVX512BF16)
        XCTAssertFalse(features.hasAMX)
        XCTAssertEqual(features.summary, "AVX AVX2 FMA AVX-512 AVX512-BF16")
        XCTAssertFalse(CPUFeatures(cpuinfo: "flags : avx2 avx512f").hasAVX512, "AVX-512F alone is not enough for the SkylakeX kernels")
        XCTAssertEqual(CPUFeatures(cpuinfo: "").model, "unknown")
    }
}
