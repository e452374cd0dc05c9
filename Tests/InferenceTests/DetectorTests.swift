import Detection
import Foundation
import Imaging
import Inference
import TestSupport
import XCTest

/// Detection on the real fixture photos with the golden YOLOv5-SPD-n weights. They are a random initialisation:
/// scores are about the objectness prior times the class prior (~2e-4), so boxes appear at confidence 1e-4.
final class DetectorTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        try Fixtures.requireFixtures()
        directory = try Fixtures.temporaryDirectory()
    }

    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(atPath: directory) } }

    private func detector(imageSize: Int) throws -> Detector {
        try Detector(modelFile: Fixtures.modelFile("yolov5-spd-n"), weightsFile: Fixtures.goldenWeights, imageSize: imageSize)
    }

    private var lowConfidence: NMSOptions {
        var options = NMSOptions()
        options.confidenceThreshold = 0.0001
        options.maxDetections = 20
        return options
    }

    func testDetectImagesWritesPredictionsAndAnnotatedImages() throws {
        let detector = try detector(imageSize: 640)
        XCTAssertEqual(detector.classCount, 80)
        let files = try ImageFiles.list(Fixtures.photos)
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent }, ["2011_000003.jpg", "2011_000006.jpg", "2011_000025.jpg"])
        var reports: [ImagePrediction] = []
        let out = "\(directory!)/out"
        let predictions = try detector.detectImages(files, outputDirectory: out, classNames: ClassNames.load(namesFile: nil, datasetDirectory: nil, classCount: 80),
                                                    options: lowConfidence) { reports.append($0) }
        XCTAssertEqual(predictions, "\(out)/predictions.json")
        XCTAssertEqual(reports.map(\.file), files)

        let entries = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: predictions))) as? [[String: Any]])
        XCTAssertEqual(entries.count, reports.reduce(0) { $0 + $1.detections.boxes.count })
        for report in reports {
            let stem = ((report.file as NSString).lastPathComponent as NSString).deletingPathExtension
            let ownEntries = entries.filter { $0["image_id"] as? String == stem }
            XCTAssertEqual(ownEntries.count, report.detections.boxes.count, "\(stem): one entry per box, image_id the file stem")
            XCTAssertFalse(ownEntries.isEmpty, "\(stem): no boxes at confidence 0.0001")
            for entry in ownEntries {
                let bbox = try XCTUnwrap(entry["bbox"] as? [Double])
                XCTAssertGreaterThanOrEqual(bbox[0], 0)
                XCTAssertGreaterThanOrEqual(bbox[1], 0)
                XCTAssertLessThanOrEqual(bbox[0] + bbox[2], Double(report.width) + 0.002)
                XCTAssertLessThanOrEqual(bbox[1] + bbox[3], Double(report.height) + 0.002)
                XCTAssertTrue((0..<80).contains(try XCTUnwrap(entry["category_id"] as? Int)))
                XCTAssertGreaterThan(try XCTUnwrap(entry["score"] as? Double), 0.0001)
            }
            try checkAnnotation(report)
        }
    }

    /// The annotated image has the original's size and shows the best box's outline in its class colour.
    private func checkAnnotation(_ report: ImagePrediction) throws {
        XCTAssertEqual(report.annotatedFile, "\(directory!)/out/\(((report.file as NSString).lastPathComponent as NSString).deletingPathExtension).jpg")
        let original = try Image(contentsOfFile: report.file), annotated = try Image(contentsOfFile: report.annotatedFile)
        XCTAssertEqual([annotated.width, annotated.height], [original.width, original.height])
        let best = try XCTUnwrap(report.detections.boxes.first)
        let color = RGBColor.forClass(best.classIndex)
        func distance(_ image: Image, x: Int, y: Int) -> Int {
            let i = (y * image.width + x) * 3
            return abs(Int(image.pixels[i]) - Int(color.red)) + abs(Int(image.pixels[i + 1]) - Int(color.green)) + abs(Int(image.pixels[i + 2]) - Int(color.blue))
        }
        // The left edge, below the label and clear of the corners: the best box is drawn last, so nothing covers it.
        let x = min(Int(best.x1) + 1, original.width - 1)
        let rows = Array(stride(from: Int(best.y1) + 30, to: Int(best.y2) - 4, by: 1)).filter { (0..<original.height).contains($0) }
        guard !rows.isEmpty else { return }
        let before = rows.map { distance(original, x: x, y: $0) }.reduce(0, +) / rows.count
        let after = rows.map { distance(annotated, x: x, y: $0) }.reduce(0, +) / rows.count
        XCTAssertLessThan(after, 60, "\(report.annotatedFile): the box edge is not in the class colour (mean distance \(after))")
        XCTAssertLessThan(after, before, "\(report.annotatedFile): the box edge does not differ from the original")
    }

    /// Boxes found on the non-square photo equal the boxes found on its letterboxed input, mapped back by the
    /// letterbox (vertical padding here; horizontal, fractional padding on a tall image).
    func testLetterboxMapBackOnNonSquareImages() throws {
        let detector = try detector(imageSize: 320)
        let photo = try Image(contentsOfFile: "\(Fixtures.photos)/2011_000003.jpg")
        XCTAssertEqual([photo.width, photo.height], [500, 338])
        var noise = SeededRandom(seed: 7)
        let tall = Image(width: 150, height: 260, format: .rgb, pixels: (0..<150 * 260 * 3).map { _ in UInt8(noise.next(upTo: 256)) })
        let expectations: [(Image, ratio: Double, resized: [Int], padX: Double, padY: Double, sides: [Int])] = [
            (photo, 0.64, [320, 216], 0, 52, [0, 52, 0, 52]),
            (tall, 320.0 / 260, [185, 320], 67.5, 0, [67, 0, 68, 0]),
        ]
        for (image, ratio, resized, padX, padY, sides) in expectations {
            let found = try detector.detect(image, options: lowConfidence)
            let box = found.letterbox
            XCTAssertEqual(box.ratio, ratio, accuracy: 1e-12)
            XCTAssertEqual([box.resizedWidth, box.resizedHeight], resized)
            XCTAssertEqual([box.padX, box.padY], [padX, padY])
            XCTAssertEqual([box.left, box.top, box.right, box.bottom], sides)
            XCTAssertFalse(found.boxes.isEmpty)
            let input = image.letterboxed(width: 320, height: 320).image
            let direct = try detector.detect(input, options: lowConfidence)
            XCTAssertEqual(direct.letterbox.ratio, 1)
            let mapped = scaleBoxes(direct.boxes, gain: ratio, padX: padX, padY: padY, imageWidth: image.width, imageHeight: image.height)
            XCTAssertEqual(found.boxes.count, mapped.count)
            for (a, b) in zip(found.boxes, mapped) {
                XCTAssertEqual([a.x1, a.y1, a.x2, a.y2, a.score], [b.x1, b.y1, b.x2, b.y2, b.score])
                XCTAssertEqual(a.classIndex, b.classIndex)
                XCTAssertTrue(a.x1 >= 0 && a.y1 >= 0 && a.x2 <= Float(image.width) && a.y2 <= Float(image.height), "\(a) outside the image")
            }
        }
    }

    func testBadInputsNameTheFile() throws {
        let yolo = Fixtures.modelFile("yolov5-spd-n")
        let missing = "\(directory!)/missing.safetensors"
        assertThrows({ try WeightsLocation.resolve(missing) }, containing: [missing, "no such weights file or run directory"])
        assertThrows({ try Detector(modelFile: yolo, weightsFile: missing) }, containing: [missing, "no such weights file"])
        assertThrows({ try Detector(modelFile: Fixtures.modelFile("yolov5-spd-s"), weightsFile: Fixtures.goldenWeights) },
                     containing: [Fixtures.goldenWeights, "weights do not fit the model"])
        assertThrows({ try Detector(modelFile: Fixtures.modelFile("resnet18"), weightsFile: Fixtures.goldenWeights) },
                     containing: ["resnet18.yaml", "is a classification model"])
        assertThrows({ try Detector(modelFile: yolo, weightsFile: Fixtures.goldenWeights, imageSize: 100) },
                     containing: [yolo, "image size 100 must be a positive multiple of the model's stride 32"])

        let empty = "\(directory!)/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: "\(empty)/notes.txt"))
        assertThrows({ try ImageFiles.list(empty) }, containing: [empty, "no images in this directory"])
        assertThrows({ try ImageFiles.list("\(directory!)/nowhere") }, containing: ["nowhere", "no such image file or directory"])

        let bad = "\(directory!)/bad.jpg"
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: bad))
        let detector = try detector(imageSize: 64)
        assertThrows({ try detector.detectImages([bad], outputDirectory: "\(directory!)/out", classNames: []) },
                     containing: [bad, "not a JPEG, PNG, PPM or PGM file"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(directory!)/out/predictions.json"))

        let names = "\(directory!)/names.txt"
        try Data("cat\ndog\n\n".utf8).write(to: URL(fileURLWithPath: names))
        assertThrows({ try ClassNames.load(namesFile: names, datasetDirectory: nil, classCount: 80) },
                     containing: [names, "lists 2 class names, the model has 80 classes"])
        XCTAssertEqual(try ClassNames.load(namesFile: names, datasetDirectory: nil, classCount: 2), ["cat", "dog"])
    }
}
