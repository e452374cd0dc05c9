import Datasets
import Foundation
import XCTest

/// COCO train2017 at full size (448 MB JSON: 118k images, 860k instances with polygon segmentations): time and
/// peak memory of a conversion. Not part of CI: run with SPD_BENCH=1.
final class COCOBenchmarkTests: XCTestCase {
    func testConvertCOCOSizedJSON() throws {
        guard ProcessInfo.processInfo.environment["SPD_BENCH"] == "1" else { throw XCTSkip("benchmark: set SPD_BENCH=1") }
        let root = try makeTemporaryDirectory(self)
        let (images, instances, distinctFiles) = (118_287, 860_001, 500)
        for index in 0 ..< distinctFiles { try writeFile(root + "/images/\(index).png", encodedImage(width: 16 + index % 7, height: 12)) }
        let jsonPath = root + "/instances_train2017.json"
        try writeCOCOLikeJSON(jsonPath, images: images, instances: instances, distinctFiles: distinctFiles)
        let jsonBytes = try FileManager.default.attributesOfItem(atPath: jsonPath)[.size] as? Int ?? 0

        let start = Date()
        let report = try COCOConverter.convert(annotations: jsonPath, images: root + "/images", out: root + "/out",
                                               options: testOptions(shardSize: 10_000, log: LogLines()))
        let seconds = Date().timeIntervalSince(start)
        var usage = rusage()
        XCTAssertEqual(getrusage(Int32(RUSAGE_SELF.rawValue), &usage), 0)
        print("COCO benchmark: \(jsonBytes / 1_000_000) MB JSON, \(report.images) images, \(report.instances) instances -> "
            + "\(report.samplesWritten) samples in \(String(format: "%.1f", seconds)) s, peak RSS \(usage.ru_maxrss / 1024) MiB")
        XCTAssertEqual(report.samplesWritten, images)
        XCTAssertEqual(report.boxesWritten, instances)
    }

    /// Writes a file shaped like instances_train2017.json (about 3.8 KB per image, 450 MB), streaming.
    private func writeCOCOLikeJSON(_ path: String, images: Int, instances: Int, distinctFiles: Int) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? file.close() }
        var buffer = ""
        func flush(force: Bool = false) {
            if force || buffer.utf8.count > 1 << 22 { file.write(Data(buffer.utf8)); buffer = "" }
        }
        buffer += "{\"info\": {\"description\": \"COCO 2017 Dataset\", \"year\": 2017}, \"licenses\": [{\"url\": \"http://x\", \"id\": 1, \"name\": \"l\"}], \"images\": ["
        for id in 0 ..< images {
            buffer += (id == 0 ? "" : ", ") + "{\"license\": 3, \"file_name\": \"\(id % distinctFiles).png\", \"coco_url\": \"http://images.cocodataset.org/train2017/\(id).jpg\", "
                + "\"height\": 12, \"width\": \(16 + id % distinctFiles % 7), \"date_captured\": \"2013-11-14 11:18:45\", \"flickr_url\": \"http://farm.staticflickr.com/\(id).jpg\", \"id\": \(id + 1)}"
            flush()
        }
        buffer += "], \"annotations\": ["
        for id in 0 ..< instances {
            let polygon = (0 ..< 60).map { String(format: "%.2f", Double(($0 * 37 + id) % 1000) / 100) }.joined(separator: ", ")
            buffer += (id == 0 ? "" : ", ") + "{\"segmentation\": [[\(polygon)]], \"area\": 30.5, \"iscrowd\": 0, \"image_id\": \(id % images + 1), "
                + "\"bbox\": [1.5, 2.25, 8.0, 6.5], \"category_id\": \(1 + id % 90), \"id\": \(id + 1)}"
            flush()
        }
        buffer += "], \"categories\": [" + (1 ... 90).map { "{\"supercategory\": \"s\", \"id\": \($0), \"name\": \"c\($0)\"}" }.joined(separator: ", ") + "]}"
        flush(force: true)
    }
}
