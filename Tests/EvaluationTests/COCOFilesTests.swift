import Evaluation
import Foundation
import XCTest

/// Reading instances and results files, and the one-line errors for unusable ones.
final class COCOFilesTests: XCTestCase {
    func testReadsInstancesFile() throws {
        let directory = try temporaryDirectory()
        let file = try COCOCaseFiles.write("""
            {"info": {}, "images": [{"id": 0, "file_name": "a.jpg"}, {"id": 3}], "categories": [{"id": 0, "name": "_background_"}, {"id": 5}],
             "annotations": [{"id": 0, "image_id": 3, "category_id": 5, "bbox": [1, 2.5, 3, 4], "area": 698368, "iscrowd": 1, "segmentation": []},
                             {"id": 1, "image_id": 0, "category_id": 0, "bbox": [0, 0, 1, 1], "area": 1}]}
            """, named: "gt.json", in: directory)
        let groundTruth = try COCOGroundTruth(instancesFile: file.path)
        XCTAssertEqual(groundTruth.imageIDs, [0, 3])
        XCTAssertEqual(groundTruth.categoryIDs, [0, 5])
        XCTAssertEqual(groundTruth.annotations, [
            COCOAnnotation(id: 0, imageID: 3, categoryID: 5, box: COCOBox(x: 1, y: 2.5, width: 3, height: 4), area: 698368, isCrowd: true),
            COCOAnnotation(id: 1, imageID: 0, categoryID: 0, box: COCOBox(x: 0, y: 0, width: 1, height: 1), area: 1, isCrowd: false),
        ])
    }

    func testReadsResultsFile() throws {
        let directory = try temporaryDirectory()
        let file = try COCOCaseFiles.write(
            "[{\"image_id\": 42, \"category_id\": 18, \"bbox\": [258.15, 41.29, 348.26, 243.78], \"score\": 0.236}]",
            named: "dt.json", in: directory)
        XCTAssertEqual(try COCODetection.read(resultsFile: file.path), [
            COCODetection(imageID: 42, categoryID: 18, box: COCOBox(x: 258.15, y: 41.29, width: 348.26, height: 243.78), score: 0.236),
        ])
    }

    func testUnusableFilesAreOneLineNamingFileAndProblem() throws {
        let directory = try temporaryDirectory()
        let missing = directory.appendingPathComponent("absent.json").path
        XCTAssertEqual(error { try COCOGroundTruth(instancesFile: missing) }, "\(missing): no such file")
        let cases: [(text: String, problem: String)] = [
            ("{\"images\": [", "not valid JSON"),
            ("{\"images\": [], \"categories\": []}", "top level: missing \"annotations\""),
            ("{\"images\": [{\"id\": 1}], \"categories\": [], \"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"area\": 1}]}",
             "annotations[0]: missing \"bbox\""),
            ("{\"images\": [], \"categories\": [], \"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 3], \"area\": 1}]}",
             "annotations[0].bbox has 3 numbers, not 4 (x, y, width, height)"),
        ]
        for (index, (text, problem)) in cases.enumerated() {
            let file = try COCOCaseFiles.write(text, named: "bad\(index).json", in: directory)
            let message = error { try COCOGroundTruth(instancesFile: file.path) }
            XCTAssertTrue(message.hasPrefix("\(file.path): \(problem)"), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
        let notAList = try COCOCaseFiles.write("{\"image_id\": 1}", named: "dt.json", in: directory)
        XCTAssertTrue(error { try COCODetection.read(resultsFile: notAList.path) }.hasPrefix("\(notAList.path): top level: "))
        let noScore = try COCOCaseFiles.write("[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1]}]", named: "dt2.json", in: directory)
        XCTAssertEqual(error { try COCODetection.read(resultsFile: noScore.path) }, "\(noScore.path): [0]: missing \"score\"")
    }

    func testUnknownImageErrorNamesDetection() {
        XCTAssertEqual(COCOEvaluationError.unknownImage(detectionIndex: 3, imageID: 77).description,
                       "detection 3 has image_id 77, which is not an image of the ground truth")
    }

    private func error(_ body: () throws -> some Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }
}
