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

    /// On Zen 4 (AMD family 25 with AVX-512) OpenBLAS's AVX-512 cores lose to its AVX2 one: Haswell is chosen.
    func testZen4PrefersTheAVX2Core() {
        let zen4 = CPUFeatures(model: "AMD EPYC", flags: avx512.flags.subtracting(["amx_tile", "amx_bf16"]), vendor: "AuthenticAMD", family: 25)
        XCTAssertEqual(BLASCore.preferredCore(selected: "Cooperlake", features: zen4, explicit: nil), "Haswell")
        XCTAssertEqual(BLASCore.preferredCore(selected: "SkylakeX", features: zen4, explicit: nil), "Haswell")
        XCTAssertEqual(BLASCore.preferredCore(selected: "Prescott", features: zen4, explicit: nil), "Haswell")
        XCTAssertNil(BLASCore.preferredCore(selected: "Zen", features: zen4, explicit: nil))
        XCTAssertNil(BLASCore.preferredCore(selected: "Cooperlake", features: zen4, explicit: "Cooperlake"))
        let zen5 = CPUFeatures(model: "AMD EPYC", flags: zen4.flags, vendor: "AuthenticAMD", family: 26)
        XCTAssertNil(BLASCore.preferredCore(selected: "SkylakeX", features: zen5, explicit: nil), "Zen 5 has full 512-bit units")
        let intel = CPUFeatures(model: "Xeon", flags: zen4.flags, vendor: "GenuineIntel", family: 6)
        XCTAssertNil(BLASCore.preferredCore(selected: "Cooperlake", features: intel, explicit: nil))
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
        vendor_id\t: AuthenticAMD
        cpu family\t: 25
        model name\t: AMD EPYC 9R14
        flags\t\t: fpu sse2 avx avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl avx512_bf16
        processor\t: 1
        model name\t: other
        flags\t\t: fpu
        """
        let features = CPUFeatures(cpuinfo: text)
        XCTAssertEqual(features.model, "AMD EPYC 9R14")
        XCTAssertEqual(features.vendor, "AuthenticAMD")
        XCTAssertEqual(features.family, 25)
        XCTAssertTrue(features.splitsAVX512)
        XCTAssertTrue(features.hasAVX2 && features.hasAVX512 && features.hasAVX512BF16)
        XCTAssertFalse(features.hasAMX)
        XCTAssertEqual(features.summary, "AVX AVX2 FMA AVX-512 AVX512-BF16")
        XCTAssertFalse(CPUFeatures(cpuinfo: "flags : avx2 avx512f").hasAVX512, "AVX-512F alone is not enough for the SkylakeX kernels")
        XCTAssertEqual(CPUFeatures(cpuinfo: "").model, "unknown")
    }
}
