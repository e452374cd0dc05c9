import Augment
import Imaging
import Shards
import XCTest

final class SampleDecodingTests: XCTestCase {
    private let image = TestSupport.picture(width: 40, height: 30, background: RGBColor(red: 10, green: 20, blue: 30))

    func testDetectionSampleIsRGBWithCornerBoxesAndIgnoresUnknownKeys() throws {
        let grey = image.converted(to: .grey)
        let sample = TestSupport.detectionSample(key: "k1", image: grey, boxes: [[1, 2, 10, 5, 3], [39.5, 0, 1, 30, 0]],
                                                 extra: ",\"iscrowd\":[0,0],\"file\":\"a.jpg\"")
        let decoded = try sample.detectionSample(classes: 4)
        XCTAssertEqual(decoded.key, "k1")
        XCTAssertEqual(decoded.image.format, .rgb, "detectors take grey images as RGB")
        XCTAssertEqual(decoded.image.pixel(0, 0), [grey.pixels[0], grey.pixels[0], grey.pixels[0]])
        XCTAssertEqual(decoded.boxes, [LabeledBox(classIndex: 3, x1: 1, y1: 2, x2: 11, y2: 7),
                                       LabeledBox(classIndex: 0, x1: 39.5, y1: 0, x2: 40, y2: 30)],
                       "a box overhanging by under a pixel is clipped")
    }

    func testDetectionErrorsNameTheKeyAndTheProblem() {
        let png = try! image.pngData()
        func sample(_ members: [String: [UInt8]]) -> ShardSample { ShardSample(key: "img7", members: members) }
        func label(_ text: String) -> [UInt8] { Array(text.utf8) }
        TestSupport.assertThrows("sample 'img7': no image member (.jpg, .jpeg, .png, .ppm, .pgm)") {
            try sample(["json": label("{\"width\":40,\"height\":30,\"boxes\":[]}")]).detectionSample(classes: 2)
        }
        TestSupport.assertThrows("sample 'img7': no .json label member") { try sample(["png": png]).detectionSample(classes: 2) }
        TestSupport.assertThrows("sample 'img7': invalid .json label: not valid JSON") {
            try sample(["png": png, "json": label("{\"width\":")]).detectionSample(classes: 2)
        }
        TestSupport.assertThrows("sample 'img7': invalid .json label: \"boxes\" must be an array") {
            try sample(["png": png, "json": label("{\"width\":40,\"height\":30}")]).detectionSample(classes: 2)
        }
        TestSupport.assertThrows("sample 'img7': invalid .json label: box 0 is not [x, y, w, h, class] numbers") {
            try sample(["png": png, "json": label("{\"width\":40,\"height\":30,\"boxes\":[[1,2,3,4]]}")]).detectionSample(classes: 2)
        }
        TestSupport.assertThrows("sample 'img7': box 1: class 2 is outside 0..<2 (the dataset's class count)") {
            try TestSupport.detectionSample(key: "img7", image: image, boxes: [[0, 0, 5, 5, 1], [0, 0, 5, 5, 2]]).detectionSample(classes: 2)
        }
        TestSupport.assertThrows("sample 'img7': box 0 [30, 5, 12, 4] (x, y, w, h) lies outside the 40x30 image") {
            try TestSupport.detectionSample(key: "img7", image: image, boxes: [[30, 5, 12, 4, 0]]).detectionSample(classes: 2)
        }
        TestSupport.assertThrows("sample 'img7': the .json label says 40x31 but the image is 40x30") {
            try sample(["png": png, "json": label("{\"width\":40,\"height\":31,\"boxes\":[]}")]).detectionSample(classes: 2)
        }
        TestSupport.assertThrows("sample 'img7': .png member: ", prefix: true) {
            try sample(["png": Array(png.prefix(60)), "json": label("{\"width\":40,\"height\":30,\"boxes\":[]}")]).detectionSample(classes: 2)
        }
    }

    func testClassificationKeepsTheRequestedChannelsAndChecksTheLabel() throws {
        let grey = image.converted(to: .grey)
        let sample = ShardSample(key: "c1", members: ["pgm": grey.pnmData(), "cls": Array("7\n".utf8)])
        let decoded = try sample.classificationSample(classes: 10, format: .grey)
        XCTAssertEqual(decoded.image, grey)
        XCTAssertEqual(decoded.label, 7)
        XCTAssertEqual(try sample.classificationSample(classes: 10, format: .rgb).image.format, .rgb)
        TestSupport.assertThrows("sample 'c1': class 7 is outside 0..<5 (the dataset's class count)") {
            try sample.classificationSample(classes: 5, format: .grey)
        }
        TestSupport.assertThrows("sample 'c2': no .cls label member") {
            try ShardSample(key: "c2", members: ["pgm": grey.pnmData()]).classificationSample(classes: 5, format: .grey)
        }
        TestSupport.assertThrows("sample 'c3': invalid .cls label 'seven': not a decimal integer") {
            try ShardSample(key: "c3", members: ["pgm": grey.pnmData(), "cls": Array("seven".utf8)]).classificationSample(classes: 5, format: .grey)
        }
    }
}
