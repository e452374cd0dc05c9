#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A COCO image id: a number when the image file's stem is all digits (YOLOv5's
/// `int(stem) if stem.isnumeric() else stem`), otherwise the stem itself.
public enum COCOImageID: Sendable, Equatable {
    case number(Int)
    case name(String)

    /// The id YOLOv5 derives from an image file name without its extension.
    public init(fileStem: String) {
        if !fileStem.isEmpty, fileStem.utf8.allSatisfy({ (48...57).contains($0) }), let number = Int(fileStem) {
            self = .number(number)
        } else {
            self = .name(fileStem)
        }
    }
}

/// One entry of a COCO detection results file.
public struct COCOResult: Sendable, Equatable {
    public var imageID: COCOImageID
    public var categoryID: Int
    public var box: DetectionBox

    public init(imageID: COCOImageID, categoryID: Int, box: DetectionBox) {
        self.imageID = imageID
        self.categoryID = categoryID
        self.box = box
    }
}

/// The COCO results JSON YOLOv5's `save_one_json` + `json.dump` write, byte for byte:
/// `[{"image_id": 42, "category_id": 18, "bbox": [x, y, w, h], "score": 0.87654}, ...]`, the bbox
/// computed in float32 as YOLOv5 does and rounded to 3 decimals, the score to 5.
public func cocoResultsJSON(_ results: [COCOResult]) -> String {
    var json = "["
    for (index, result) in results.enumerated() {
        if index > 0 { json += ", " }
        let box = result.box
        // xyxy2xywh, then centre to top-left, in float32.
        let width = box.x2 - box.x1, height = box.y2 - box.y1
        let left = (box.x1 + box.x2) / 2 - width / 2, top = (box.y1 + box.y2) / 2 - height / 2
        let bbox = [left, top, width, height].map { pythonFloat(roundedDecimal(Double($0), places: 3)) }
        let imageID = switch result.imageID {
        case let .number(number): String(number)
        case let .name(name): jsonString(name)
        }
        json += "{\"image_id\": \(imageID), \"category_id\": \(result.categoryID), "
        json += "\"bbox\": [\(bbox.joined(separator: ", "))], \"score\": \(pythonFloat(roundedDecimal(Double(box.score), places: 5)))}"
    }
    return json + "]"
}

/// Python's `round(value, places)`: correctly rounded from the exact binary value (via printf).
private func roundedDecimal(_ value: Double, places: Int) -> Double {
    guard value.isFinite else { return value }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
        let length = withVaList([value]) { vsnprintf(buffer.baseAddress!, 64, "%.\(places)f", $0) }
        // Values too long to print have no fractional digits left to round.
        guard length > 0, length < 64 else { return value }
        return strtod(buffer.baseAddress!, nil)
    }
}

/// A float as Python's `json.dump` writes it (shortest round-trip repr; NaN, Infinity).
private func pythonFloat(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
    return value.description
}

/// A JSON string literal as Python's `json.dump` writes it (ASCII only, \uXXXX escapes).
private func jsonString(_ text: String) -> String {
    var literal = "\""
    for unit in text.utf16 {
        switch unit {
        case 0x22: literal += "\\\""
        case 0x5C: literal += "\\\\"
        case 0x0A: literal += "\\n"
        case 0x0D: literal += "\\r"
        case 0x09: literal += "\\t"
        case 0x08: literal += "\\b"
        case 0x0C: literal += "\\f"
        case 0x20..<0x7F: literal.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
        default:
            let hex = String(unit, radix: 16)
            literal += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
    }
    return literal + "\""
}
