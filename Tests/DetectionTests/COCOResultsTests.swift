import Detection
import Foundation
import TestSupport
import XCTest

final class COCOResultsTests: XCTestCase {
    func testFormatMatchesYOLOv5SaveJSON() {
        let results = [
            COCOResult(imageID: COCOImageID(fileStem: "000000000139"), categoryID: 62,
                       box: DetectionBox(x1: 10.5, y1: 20.25, x2: 110.5, y2: 220.0625, score: 0.876543, classIndex: 56)),
            COCOResult(imageID: COCOImageID(fileStem: "2011_000003"), categoryID: 1,
                       box: DetectionBox(x1: 0, y1: 0, x2: 3, y2: 4, score: 0.000004, classIndex: 0)),
        ]
        XCTAssertEqual(cocoResultsJSON(results), """
            [{"image_id": 139, "category_id": 62, "bbox": [10.5, 20.25, 100.0, 199.812], "score": 0.87654}, \
            {"image_id": "2011_000003", "category_id": 1, "bbox": [0.0, 0.0, 3.0, 4.0], "score": 0.0}]
            """)
        XCTAssertEqual(cocoResultsJSON([]), "[]")
    }

    func testImageIDFromStem() {
        XCTAssertEqual(COCOImageID(fileStem: "000042"), .number(42))
        XCTAssertEqual(COCOImageID(fileStem: "42a"), .name("42a"))
        XCTAssertEqual(COCOImageID(fileStem: "-3"), .name("-3"))
        XCTAssertEqual(COCOImageID(fileStem: ""), .name(""))
    }

    /// Byte-for-byte the output of YOLOv5's save_one_json (float32 box arithmetic emulated with struct) + json.dumps.
    func testMatchesPythonJSONDump() throws {
        try TestTools.requirePython(["json", "struct"])
        var generator = SystemRandomNumberGenerator()
        var results: [COCOResult] = []
        for i in 0..<200 {
            let x1 = Float.random(in: 0..<600, using: &generator), y1 = Float.random(in: 0..<400, using: &generator)
            let box = DetectionBox(x1: x1, y1: y1, x2: x1 + Float.random(in: 0..<300, using: &generator),
                                   y2: y1 + Float.random(in: 0..<300, using: &generator),
                                   score: Float.random(in: 0..<1, using: &generator), classIndex: i % 80)
            results.append(COCOResult(imageID: i % 3 == 0 ? .name("img \"\(i)\"\\é") : .number(i), categoryID: i % 91, box: box))
        }
        let rows = results.map { result -> String in
            let id = switch result.imageID {
            case let .number(n): "\(n)"
            case let .name(s): "\"\(s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
            }
            let b = result.box
            return "[\(id), \(result.categoryID), \(b.x1), \(b.y1), \(b.x2), \(b.y2), \(b.score)]"
        }
        let script = """
            import json, struct, sys
            f = lambda v: struct.unpack('f', struct.pack('f', v))[0]
            out = []
            for image_id, category_id, x1, y1, x2, y2, score in json.loads(sys.stdin.read()):
                x1, y1, x2, y2, score = map(f, (x1, y1, x2, y2, score))
                w, h = f(x2 - x1), f(y2 - y1)
                b = [f(f(x1 + x2) / 2 - w / 2), f(f(y1 + y2) / 2 - h / 2), w, h]
                out.append({'image_id': image_id, 'category_id': category_id, 'bbox': [round(x, 3) for x in b], 'score': round(score, 5)})
            sys.stdout.write(json.dumps(out))
            """
        let expected = try TestTools.runChecked(TestTools.python, ["-c", script], input: Data("[\(rows.joined(separator: ", "))]".utf8)).text
        XCTAssertEqual(cocoResultsJSON(results), expected)
    }
}
