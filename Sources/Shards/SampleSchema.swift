import Foundation

/// What a shard sample holds and the rules its labels follow: the one schema that the training loader (Augment's
/// `ShardSample.detectionSample` / `classificationSample`) and `spd data verify` (Datasets) both apply, with the same
/// messages. A detection sample's `.json` member is `{"width", "height", "boxes": [[x, y, w, h, class], ...]}` in
/// pixels (COCO xywh, top-left corner); a classification sample's `.cls` member is the class index as decimal text.
public enum SampleSchema {
    /// Image member extensions, in the order they are looked for (the decoder goes by content).
    public static let imageExtensions = ["jpg", "jpeg", "png", "ppm", "pgm"]

    /// Boxes may overhang the image by this many pixels (rounding in converters); the loader clips them to it.
    public static let boxTolerance: Double = 1

    /// The problem with no image member.
    public static let missingImage = "no image member (.\(imageExtensions.joined(separator: ", .")))"

    /// What is wrong with box `index`, a `[x, y, w, h, class]` row of a `width`x`height` image of a dataset with
    /// `classes` classes; nil when it is fine. A box may have zero width or height (COCO has such boxes) and may
    /// overhang the image by `boxTolerance` pixels.
    public static func boxProblem(_ row: [Double], index: Int, classes: Int, width: Int, height: Int) -> String? {
        guard row.count == 5, row.allSatisfy(\.isFinite) else { return "invalid .json label: box \(index) is not [x, y, w, h, class] numbers" }
        let (x, y, w, h, classValue) = (row[0], row[1], row[2], row[3], row[4])
        guard classValue.rounded() == classValue, (0..<Double(classes)).contains(classValue) else {
            return "box \(index): class \(classValue.plainText) is outside 0..<\(classes) (the dataset's class count)"
        }
        let t = boxTolerance
        guard w >= 0, h >= 0, x >= -t, y >= -t, x + w <= Double(width) + t, y + h <= Double(height) + t else {
            return "box \(index) [\(x.plainText), \(y.plainText), \(w.plainText), \(h.plainText)] (x, y, w, h) lies outside the \(width)x\(height) image"
        }
        return nil
    }

    /// The class index a `.cls` member holds, or what is wrong with it.
    public static func classIndex(_ bytes: [UInt8], classes: Int) -> Result<Int, LabelProblem> {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let label = Int(text) else { return .failure(LabelProblem("invalid .cls label '\(text.prefix(40))': not a decimal integer")) }
        guard (0..<classes).contains(label) else { return .failure(LabelProblem("class \(label) is outside 0..<\(classes) (the dataset's class count)")) }
        return .success(label)
    }

    /// The `.cls` member's text for a class index.
    public static func encodeClass(_ index: Int) -> [UInt8] { Array(String(index).utf8) }
}

/// A label that breaks `SampleSchema`'s rules; the message names the problem (the caller adds the sample).
public struct LabelProblem: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

private extension Double {
    /// Integers without a trailing ".0", other values as Swift prints them.
    var plainText: String {
        rounded() == self && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
