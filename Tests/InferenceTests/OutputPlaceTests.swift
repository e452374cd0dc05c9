import Foundation
@testable import Inference
import TestSupport
import XCTest

/// Outputs never overwrite an input, same-stem inputs get distinct outputs, and writes replace regular files only.
final class OutputPlaceTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        try Fixtures.requireFixtures()
        directory = try Fixtures.temporaryDirectory()
    }

    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(atPath: directory) } }

    func testAnnotatedNamesAreDistinct() {
        XCTAssertEqual(Detector.annotatedNames(["/p/a.jpg", "/p/b.png"]), ["a.jpg", "b.jpg"], "YOLOv5's <stem>.jpg where stems differ")
        XCTAssertEqual(Detector.annotatedNames(["/p/a.jpg", "/p/a.png"]), ["a.jpg.jpg", "a.png.jpg"])
        XCTAssertEqual(Detector.annotatedNames(["/p/x/a.jpg", "/p/y/a.jpg"]), ["x_a.jpg.jpg", "y_a.jpg.jpg"])
        XCTAssertEqual(Detector.annotatedNames(["/p/x/a.jpg", "/q/x/a.jpg"]), ["000000_a.jpg.jpg", "000001_a.jpg.jpg"])
    }

    /// `spd detect --source D --out D` replaced the source photos; now it is refused before anything is written.
    func testDetectionNeverReplacesItsInputs() throws {
        let source = "\(directory!)/photos"
        try FileManager.default.copyItem(atPath: Fixtures.photos, toPath: source)
        let files = try ImageFiles.list(source)
        let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let detector = try Detector(modelFile: Fixtures.modelFile("yolov5-spd-n"), weightsFile: Fixtures.goldenWeights, imageSize: 320)
        assertThrows({ try detector.detectImages(files, outputDirectory: source, classNames: []) },
                     containing: ["\(source)/2011_000003.jpg", "is an input image; writing detections there would replace it"])
        XCTAssertEqual(try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }, before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(source)/predictions.json"))
    }
}
