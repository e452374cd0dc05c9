import Foundation
import RunFormat
import TestSupport
import XCTest

/// Experiment files: every key read, written back and read again; bad keys and values named with their file.
final class ExperimentConfigTests: XCTestCase {
    /// A run's config.yaml (written by the trainer) reads back as an experiment file, `classes: null` included.
    func testResolvedConfigurationReadsBack() throws {
        var config = ExperimentConfig()
        config.model = "yolov5-spd-n"
        config.data = "/data/x"
        config.precision = .bf16
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try config.resolvedYAML(worldSize: 2).write(toFile: file, atomically: true, encoding: .utf8)
        let again = try ExperimentConfig(contentsOf: file, repositoryRoot: TestFixtures.repositoryRoot.path)
        XCTAssertNil(again.classes)
        XCTAssertEqual(again.hyp, config.hyp)
        XCTAssertEqual(again.batch, config.batch)
        XCTAssertEqual(again.precision, .bf16)
    }

    func testPrecisionSetting() throws {
        var config = ExperimentConfig()
        config.model = "m"
        config.data = "d"
        XCTAssertEqual(config.precision, .fp32, "fp32 unless asked")
        try config.apply(override: "precision=BF16")
        XCTAssertEqual(config.precision, .bf16)
        XCTAssertThrowsError(try config.apply(override: "precision=fp16")) { error in
            XCTAssertEqual("\(error)", "command line: 'precision' must be fp32 or bf16, got fp16")
        }
    }

    func testUnknownKeyAndBadValueNameTheFileAndField() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "model: yolov5-spd-n\ndata: d\nepochz: 3\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExperimentConfig(contentsOf: file, repositoryRoot: TestFixtures.repositoryRoot.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(file): unknown setting 'epochz'"), "\(error)")
        }
        try "model: yolov5-spd-n\ndata: d\nbatch: many\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExperimentConfig(contentsOf: file, repositoryRoot: TestFixtures.repositoryRoot.path)) { error in
            XCTAssertEqual("\(error)", "\(file): 'batch' must be an integer, got many")
        }
        // A name becomes runs/<name>: one path component, so no experiment writes outside runs/.
        for name in ["../../x", "a/b", ".hidden", ""] {
            try "model: yolov5-spd-n\ndata: d\nname: '\(name)'\n".write(toFile: file, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ExperimentConfig(contentsOf: file, repositoryRoot: TestFixtures.repositoryRoot.path)) { error in
                XCTAssertEqual("\(error)", "\(file): 'name': '\(name)' must be letters, digits, '.', '_' or '-', starting with a letter or digit (it names a run directory)")
            }
        }
        XCTAssertThrowsError(try ExperimentConfig(contentsOf: file + ".missing", repositoryRoot: TestFixtures.repositoryRoot.path)) { error in
            XCTAssertEqual("\(error)", "\(file).missing: no such file")
        }
    }

    /// reference_quirks and sample_order read back from the resolved configuration; an unknown quirk names the file.
    func testReferenceQuirksAndSampleOrderSettings() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("quirks-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "model: yolov5-spd-n\ndata: d\nreference_quirks: [epoch_start_zero_grad, lr_epoch_lag]\nsample_order: order.json\noptimizer: adam\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let config = try ExperimentConfig(contentsOf: file, repositoryRoot: TestFixtures.repositoryRoot.path)
        XCTAssertEqual(config.referenceQuirks, [.epochStartZeroGrad, .lrEpochLag])
        XCTAssertEqual(config.optimizer, .adam)
        try config.resolvedYAML(worldSize: 1).write(toFile: file, atomically: true, encoding: .utf8)
        let again = try ExperimentConfig(contentsOf: file, repositoryRoot: TestFixtures.repositoryRoot.path)
        XCTAssertEqual(again.referenceQuirks, config.referenceQuirks)
        XCTAssertEqual(again.sampleOrder.map(again.resolve), config.sampleOrder.map(config.resolve))
        try "model: yolov5-spd-n\ndata: d\nreference_quirks: [lr_lag]\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExperimentConfig(contentsOf: file, repositoryRoot: TestFixtures.repositoryRoot.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(file): 'reference_quirks' must be a list of: lr_epoch_lag, epoch_start_zero_grad ('lr_lag' is none of them)"), "\(error)")
        }
    }

    /// Every setting and hyperparameter has a domain; NaN, infinities, negative rates and absurd sizes are errors
    /// naming the key and the file (they trained on before, and 1e300 was written back as Int.min).
    func testSettingsOutsideTheirDomainsAreErrors() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("domain-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let cases: [(String, String)] = [
            ("hyp:\n  lr0: .nan", "'lr0' must be a number from 0.0 to 10.0, got nan"),
            ("hyp:\n  lr0: -0.01", "'lr0' must be a number from 0.0 to 10.0, got -0.01"),
            ("hyp:\n  obj: .inf", "'obj' must be a number from 0.0 to 1000.0, got inf"),
            ("hyp:\n  warmup_min_iterations: 1e300", "'warmup_min_iterations' must be a number from 0.0 to 1000000000.0, got 1e+300"),
            ("hyp:\n  fliplr: 1.5", "'fliplr' must be a number from 0.0 to 1.0, got 1.5"),
            ("hyp:\n  anchor_t: 0.5", "'anchor_t' must be a number from 1.0 to 1000.0, got 0.5"),
            ("epochs: 0", "'epochs' must be from 1 to 100000, got 0"),
            ("imgsz: 100000000", "'imgsz' must be from 1 to 32768, got 100000000"),
            ("log_every: -5", "'log_every' must be from 1 to 1000000000, got -5"),
            ("checkpoint_every_minutes: -1", "'checkpoint_every_minutes' must be a number from 0.0 to 100000.0, got -1.0"),
            ("watchdog_seconds: .nan", "'watchdog_seconds' must be a number from 0.0 to 86400.0, got nan"),
            ("bucket_mb: 0", "'bucket_mb' must be a number from 0.001 to 4096.0, got 0.0"),
            ("classes: 0", "'classes' must be from 1 to 1000000, got 0"),
            ("schedule: step\nmilestones: [0, 5]", "'milestones' must be epochs from 1 to 10, got 0"),
        ]
        for (setting, message) in cases {
            try "model: yolov5-spd-n\ndata: d\n\(setting)\n".write(toFile: file, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ExperimentConfig(contentsOf: file, repositoryRoot: TestFixtures.repositoryRoot.path), setting) {
                XCTAssertTrue("\($0)".hasSuffix(message), "\($0) should end with \(message)")
                XCTAssertTrue("\($0)".hasPrefix(file), "\($0)")
            }
        }
        // A command-line override is checked the same way.
        try "model: yolov5-spd-n\ndata: d\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExperimentConfig(contentsOf: file, overrides: ["hyp.momentum=2"], repositoryRoot: TestFixtures.repositoryRoot.path)) {
            XCTAssertTrue("\($0)".hasSuffix("'momentum' must be a number from 0.0 to 1.0, got 2"), "\($0)")
        }
    }
}
