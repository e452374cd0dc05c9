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
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try config.resolvedYAML(worldSize: 2).write(toFile: file, atomically: true, encoding: .utf8)
        let again = try ExperimentConfig(contentsOf: file, repositoryRoot: TestFixtures.repositoryRoot.path)
        XCTAssertNil(again.classes)
        XCTAssertEqual(again.hyp, config.hyp)
        XCTAssertEqual(again.batch, config.batch)
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
}
