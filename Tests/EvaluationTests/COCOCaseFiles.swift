import Evaluation
import Foundation

/// Writes cases as the JSON files pycocotools and `spd eval coco` read.
enum COCOCaseFiles {
    static func instancesJSON(_ groundTruth: COCOGroundTruth) -> String {
        let images = groundTruth.imageIDs.map { "{\"id\": \($0)}" }
        let categories = groundTruth.categoryIDs.map { "{\"id\": \($0), \"name\": \"class\($0)\"}" }
        let annotations = groundTruth.annotations.map {
            "{\"id\": \($0.id), \"image_id\": \($0.imageID), \"category_id\": \($0.categoryID), \"bbox\": \(json($0.box)), "
                + "\"area\": \($0.area), \"iscrowd\": \($0.isCrowd ? 1 : 0)}"
        }
        return "{\"images\": [\(images.joined(separator: ", "))], \"categories\": [\(categories.joined(separator: ", "))], "
            + "\"annotations\": [\(annotations.joined(separator: ",\n"))]}\n"
    }

    static func resultsJSON(_ detections: [COCODetection]) -> String {
        "[" + detections.map {
            "{\"image_id\": \($0.imageID), \"category_id\": \($0.categoryID), \"bbox\": \(json($0.box)), \"score\": \($0.score)}"
        }.joined(separator: ",\n") + "]\n"
    }

    /// Writes `text` to `name` in `directory` and returns its URL.
    static func write(_ text: String, named name: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    private static func json(_ box: COCOBox) -> String {
        "[\(box.x), \(box.y), \(box.width), \(box.height)]"
    }
}
