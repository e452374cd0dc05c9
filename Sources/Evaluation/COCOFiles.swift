import Foundation
import Support

extension COCOGroundTruth {
    /// Reads a COCO instances file: `images` (id), `categories` (id) and `annotations` (id, image_id, category_id,
    /// bbox, area, iscrowd; iscrowd may be missing, meaning 0). Other members are not read.
    public init(instancesFile path: String) throws(FileProblem) {
        let file = try decodeJSONFile(InstancesFile.self, path: path)
        var annotations: [COCOAnnotation] = []
        for (index, annotation) in file.annotations.enumerated() {
            annotations.append(COCOAnnotation(
                id: annotation.id, imageID: annotation.image_id, categoryID: annotation.category_id,
                box: try cocoBox(annotation.bbox, path: path, owner: "annotations[\(index)]"),
                area: annotation.area, isCrowd: annotation.iscrowd?.value ?? false))
        }
        self.init(imageIDs: file.images.map(\.id), categoryIDs: file.categories.map(\.id), annotations: annotations)
    }
}

extension COCODetection {
    /// Reads a COCO results file: a JSON list of {image_id, category_id, bbox, score}.
    public static func read(resultsFile path: String) throws(FileProblem) -> [COCODetection] {
        var detections: [COCODetection] = []
        for (index, result) in try decodeJSONFile([ResultEntry].self, path: path).enumerated() {
            detections.append(COCODetection(
                imageID: result.image_id, categoryID: result.category_id,
                box: try cocoBox(result.bbox, path: path, owner: "[\(index)]"), score: result.score))
        }
        return detections
    }
}

// The members read, named as in the files.
private struct InstancesFile: Decodable {
    struct Image: Decodable { let id: Int }
    struct Category: Decodable { let id: Int }
    struct Annotation: Decodable {
        let id: Int
        let image_id: Int
        let category_id: Int
        let bbox: [Double]
        let area: Double
        let iscrowd: Flag?
    }
    let images: [Image]
    let annotations: [Annotation]
    let categories: [Category]
}

private struct ResultEntry: Decodable {
    let image_id: Int
    let category_id: Int
    let bbox: [Double]
    let score: Double
}

/// A 0/1 flag written as a number or as a boolean.
private struct Flag: Decodable {
    let value: Bool

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { value = flag } else { value = try container.decode(Int.self) != 0 }
    }
}

private func cocoBox(_ numbers: [Double], path: String, owner: String) throws(FileProblem) -> COCOBox {
    guard numbers.count == 4 else {
        throw FileProblem(file: path, message: "\(owner).bbox has \(numbers.count) numbers, not 4 (x, y, width, height)")
    }
    return COCOBox(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3])
}

private func decodeJSONFile<T: Decodable>(_ type: T.Type, path: String) throws(FileProblem) -> T {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        let exists = FileManager.default.fileExists(atPath: path)
        throw FileProblem(file: path, message: exists ? "cannot be read" : "no such file")
    }
    do { return try JSONDecoder().decode(type, from: data) } catch let error as DecodingError {
        throw FileProblem(file: path, message: describe(error, in: data))
    } catch {
        throw FileProblem(file: path, message: "\(error)")
    }
}

/// A decoding failure as a short phrase naming the place in the file, such as `annotations[3]: missing "bbox"`.
private func describe(_ error: DecodingError, in data: Data) -> String {
    func place(_ path: [CodingKey]) -> String {
        let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.hasPrefix(".") ? String(text.dropFirst()) : text.isEmpty ? "top level" : text
    }
    switch error {
    case let .keyNotFound(key, context): return "\(place(context.codingPath)): missing \"\(key.stringValue)\""
    case let .typeMismatch(_, context), let .valueNotFound(_, context):
        return "\(place(context.codingPath)): \(context.debugDescription)"
    case let .dataCorrupted(context):
        if context.codingPath.isEmpty { return "not valid JSON (\(syntaxProblem(in: data)))" }
        return "\(place(context.codingPath)): \(context.debugDescription)"
    @unknown default: return "\(error)"
    }
}

/// Where JSON text goes wrong, as JSONSerialization reports it ("Invalid value around character 6."): JSONDecoder
/// does not say.
private func syntaxProblem(in data: Data) -> String {
    do {
        _ = try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)
        return "unreadable"
    } catch {
        return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
    }
}
