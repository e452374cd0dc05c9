import Foundation
import Tensor
import XCTest

/// The repository's own test data (Tests/Fixtures) and the tools some tests compare against, found one way by
/// every test target. A clone of the repository alone has every fixture, so a missing one is a failure, never a skip.
public enum TestFixtures {
    /// The repository root: this file is Tests/TestSupport/TestSupport.swift.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// Tests/Fixtures: the reference implementation's golden tensors and the small real COCO sets.
    public static let directory = repositoryRoot.appendingPathComponent("Tests/Fixtures")
    /// Golden tensors of the reference YOLOv5-SPD-n (weights, input, raw and decoded outputs, reference.json).
    public static var goldenYOLOv5SPDn: URL { get throws { try url("reference/yolov5-spd-n") } }

    /// The fixture at `relative` under Tests/Fixtures; an error naming it when it is absent.
    public static func url(_ relative: String) throws -> URL {
        let url = directory.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else { throw MissingTestInput(what: "fixture \(url.path) is absent from the repository") }
        return url
    }

    /// The path of the fixture at `relative`; an error naming it when it is absent.
    public static func path(_ relative: String) throws -> String { try url(relative).path }
}

/// Tools outside the repository that some tests compare against (Python packages from cluster/requirements-test.txt,
/// Debian tools). Locally a missing tool skips the test with a message; under CI=true it fails it.
public enum TestTools {
    /// True when the suite runs as CI (`CI=true`): a missing tool is then a failure.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The Python of the test environment `.build/pyenv` that cluster/test makes from cluster/requirements-test.txt.
    public static let python = TestFixtures.repositoryRoot.appendingPathComponent(".build/pyenv/bin/python")

    /// The error for a missing tool: XCTSkip with `message` locally, a failure under CI=true.
    public static func missing(_ message: String) -> Error {
        isCI ? MissingTestInput(what: "\(message) (CI=true: a missing tool fails the test)") : XCTSkip(message)
    }

    /// Throws `missing(...)` unless the test environment's Python imports every module of `modules`.
    public static func requirePython(_ modules: [String]) throws {
        let hint = "run cluster/test, or `python3 -m venv .build/pyenv && .build/pyenv/bin/pip install -r cluster/requirements-test.txt`"
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw missing("no Python test environment at \(python.path): \(hint)")
        }
        guard try run(python, ["-c", modules.map { "import \($0)" }.joined(separator: "; ")]).status == 0 else { throw missing("\(python.path) cannot import \(modules.joined(separator: ", ")): \(hint)") }
    }

    /// Throws `missing(...)` unless an executable file is at `path`.
    public static func requireExecutable(_ path: String, _ hint: String) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw missing("\(path) is not installed: \(hint)") }
    }
}

/// A fixture or tool a test needs is absent.
public struct MissingTestInput: Error, CustomStringConvertible {
    public let what: String
    public var description: String { what }
    public init(what: String) { self.what = what }
}

/// Skips the test on CPUs where bf16 GEMMs cannot run (neither AVX512-BF16 nor AMX).
public func requireBF16GEMMs() throws {
    guard case .bf16 = GEMMPrecision.choose(.bf16, features: .current).path else {
        throw XCTSkip("this CPU (\(CPUFeatures.current.summary)) has neither AMX nor AVX512-BF16: bf16 GEMMs fall back to fp32 here")
    }
}

/// x rounded to bfloat16 (round to nearest even, NaN kept, subnormals to zero of their sign as VCVTNEPS2BF16 does),
/// as a float: the reference for what bf16 GEMMs do to their operands.
public func bf16Rounded(_ x: Float) -> Float {
    guard !x.isNaN else { return x }
    guard !x.isSubnormal else { return x.sign == .minus ? -0.0 : 0 }
    let bits = x.bitPattern
    return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
}
