import Evaluation
import Foundation
import TestSupport
import XCTest

/// Every statistic and printed line of `COCOEvaluator` against pycocotools itself, on seeded random cases and on
/// the real fixture files with generated detections.
final class PycocotoolsComparisonTests: XCTestCase {
    func testRandomCasesMatchPycocotools() throws {
        let directory = try temporaryDirectory()
        var generator = RandomCOCOCases(seed: 2024)
        let cases = (0..<300).map { generator.makeCase(maxImages: $0 < 280 ? 12 : 150) }
        var pairs: [(groundTruth: URL, detections: URL)] = []
        for (index, testCase) in cases.enumerated() {
            pairs.append((
                try COCOCaseFiles.write(COCOCaseFiles.instancesJSON(testCase.groundTruth), named: "gt\(index).json", in: directory),
                try COCOCaseFiles.write(COCOCaseFiles.resultsJSON(testCase.detections), named: "dt\(index).json", in: directory)))
        }
        let summaries = try cases.map { try COCOEvaluator(groundTruth: $0.groundTruth).evaluate($0.detections) }
        try compare(summaries, with: Pycocotools.evaluate(pairs, in: directory), label: "random case")
    }

    func testFixtureFilesWithGeneratedDetectionsMatchPycocotools() throws {
        let directory = try temporaryDirectory()
        let fixtures = TestFixtures.directory
        var pairs: [(groundTruth: URL, detections: URL)] = []
        var summaries: [COCOSummary] = []
        for file in ["coco-labelme-voc/annotations.json", "coco-sahi-terrain/terrain2_coco.json"] {
            let instances = fixtures.appendingPathComponent(file)
            let groundTruth = try COCOGroundTruth(instancesFile: instances.path)
            for seed in 0..<10 {
                var generator = RandomCOCOCases(seed: UInt64(seed))
                let detections = generator.makeDetections(for: groundTruth)
                let results = try COCOCaseFiles.write(COCOCaseFiles.resultsJSON(detections), named: "dt\(pairs.count).json", in: directory)
                pairs.append((instances, results))
                // Read back as `spd eval coco` would.
                summaries.append(try COCOEvaluator(groundTruth: groundTruth).evaluate(COCODetection.read(resultsFile: results.path)))
            }
        }
        try compare(summaries, with: Pycocotools.evaluate(pairs, in: directory), label: "fixture case")
    }

    /// Fails on any statistic more than 1e-4 from pycocotools' or any differing line; prints the largest differences.
    private func compare(_ summaries: [COCOSummary], with references: [Pycocotools.Reference], label: String) throws {
        XCTAssertEqual(summaries.count, references.count)
        var largest = [Double](repeating: 0, count: COCOStatistic.all.count)
        for (index, (summary, reference)) in zip(summaries, references).enumerated() {
            for (statistic, (value, expected)) in zip(summary.values, reference.stats).enumerated() {
                largest[statistic] = max(largest[statistic], abs(value - expected))
                XCTAssertEqual(value, expected, accuracy: 1e-4, "\(label) \(index): \(COCOStatistic.all[statistic].name)")
            }
            XCTAssertEqual(summary.lines, reference.lines, "\(label) \(index)")
        }
        let report = zip(COCOStatistic.all, largest).map { "\($0.name) \($1)" }.joined(separator: ", ")
        print("\(summaries.count) \(label)s against pycocotools, largest differences: \(report)")
    }

}

extension XCTestCase {
    /// A fresh empty directory, removed when the test ends.
    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evaluation-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }
}
