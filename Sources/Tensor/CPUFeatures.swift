import Foundation

/// The CPU's model name and the vector extensions the kernels care about, read from /proc/cpuinfo (Linux lists there
/// only what both the CPU and the kernel support: AVX-512 disabled by the OS is absent).
public struct CPUFeatures: Sendable, Equatable {
    /// "AMD EPYC 9R14", "Intel(R) Xeon(R) Processor", ... ("unknown" when the system does not say).
    public let model: String
    /// The feature flags, lower case as Linux spells them (`avx2`, `fma`, `avx512f`, `avx512_bf16`, `amx_tile`, ...).
    public let flags: Set<String>
    /// "GenuineIntel", "AuthenticAMD", ... ("" when the system does not say) and the x86 family (0 when unknown).
    public let vendor: String
    public let family: Int

    public init(model: String, flags: Set<String>, vendor: String = "", family: Int = 0) {
        self.model = model
        self.flags = flags
        self.vendor = vendor
        self.family = family
    }

    /// Parses the text of /proc/cpuinfo (its first processor's `model name` and `flags`, or arm64's `Features`).
    public init(cpuinfo: String) {
        var model = "unknown", flags: Set<String> = [], vendor = "", family = 0
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces), value = parts[1].trimmingCharacters(in: .whitespaces)
            if key == "model name", model == "unknown" { model = value }
            if (key == "flags" || key == "Features"), flags.isEmpty { flags = Set(value.split(separator: " ").map(String.init)) }
            if key == "vendor_id", vendor.isEmpty { vendor = value }
            if key == "cpu family", family == 0 { family = Int(value) ?? 0 }
        }
        self.init(model: model, flags: flags, vendor: vendor, family: family)
    }

    /// This machine's CPU (read once).
    public static let current: CPUFeatures = {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return CPUFeatures(cpuinfo: text)
    }()

    /// AVX2 with FMA: the x86-64 level of the default kernel build (Haswell and Zen and later).
    public var hasAVX2: Bool { flags.isSuperset(of: ["avx2", "fma"]) }
    /// The AVX-512 subsets that OpenBLAS's SkylakeX kernels and the project's AVX-512 kernels use (F, CD, BW, DQ, VL).
    public var hasAVX512: Bool { flags.isSuperset(of: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]) }
    /// bf16 dot products in AVX-512 registers (Cooper Lake, Sapphire Rapids, Zen 4 and later).
    public var hasAVX512BF16: Bool { hasAVX512 && flags.contains("avx512_bf16") }
    /// AMD Zen 4 (family 25 with AVX-512): it runs 512-bit instructions as two 256-bit halves.
    public var splitsAVX512: Bool { vendor == "AuthenticAMD" && family == 25 && hasAVX512 }
    /// Intel AMX tiles with bf16 (Sapphire Rapids and later).
    public var hasAMX: Bool { flags.isSuperset(of: ["amx_tile", "amx_bf16"]) }

    /// The vector extensions present, for logs and benchmark headers: "AVX2 FMA AVX-512 AVX512-BF16 AMX".
    public var summary: String {
        var names: [String] = []
        if flags.contains("avx") { names.append("AVX") }
        if hasAVX2 { names.append("AVX2 FMA") }
        if hasAVX512 { names.append("AVX-512") }
        if hasAVX512BF16 { names.append("AVX512-BF16") }
        if hasAMX { names.append("AMX") }
        if flags.contains("asimd") { names.append("NEON") }
        if flags.contains("sve") { names.append("SVE") }
        return names.isEmpty ? "no vector extensions beyond the baseline" : names.joined(separator: " ")
    }
}
