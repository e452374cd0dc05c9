import Foundation
import Imaging
import Shards

/// A decoded detection sample: its RGB image and boxes in that image's pixels.
public struct DetectionSample: Sendable, Equatable {
    public let key: String
    public let image: Image
    public let boxes: [LabeledBox]

    public init(key: String, image: Image, boxes: [LabeledBox]) {
        self.key = key
        self.image = image
        self.boxes = boxes
    }
}

extension ShardSample {
    /// Image member extensions in the order they are looked for in a shard sample.
    public static let imageExtensions = ["jpg", "png", "ppm", "pgm"]

    /// Boxes may overhang the image by this many pixels (rounding in converters); they are clipped to it.
    public static let boxTolerance: Double = 1

    /// Decodes the image member (`.jpg`, `.png`, `.ppm` or `.pgm`, by content) into `format`.
    public func decodeImage(as format: PixelFormat) throws -> Image {
        guard let ext = Self.imageExtensions.first(where: { members[$0] != nil }), let bytes = members[ext] else {
            throw failure("no image member (.\(Self.imageExtensions.joined(separator: ", .")))")
        }
        do {
            return try Image(decoding: bytes, name: ".\(ext) member", as: format)
        } catch let error as ImageError {
            throw failure("\(error)")
        }
    }

    /// The RGB image and the boxes of a detection sample: `.json` is `{"width", "height", "boxes": [[x, y, w, h,
    /// class], ...]}` in pixels (COCO xywh, top-left corner); other keys are ignored. Throws naming the key when the
    /// label is missing or malformed, a class is outside `0..<classes`, the label's size is not the image's, or a
    /// box lies outside the image by more than `boxTolerance` pixels (smaller overhangs are clipped).
    public func detectionSample(classes: Int) throws -> DetectionSample {
        guard let bytes = members["json"] else { throw failure("no .json label member") }
        let label: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw failure("invalid .json label: not a JSON object")
            }
            label = object
        } catch let error as SampleDecodingError {
            throw error
        } catch {
            throw failure("invalid .json label: not valid JSON")
        }
        guard let width = label["width"] as? Int, let height = label["height"] as? Int, width > 0, height > 0 else {
            throw failure("invalid .json label: \"width\" and \"height\" must be positive integers")
        }
        guard let rows = label["boxes"] as? [Any] else { throw failure("invalid .json label: \"boxes\" must be an array") }
        var boxes: [LabeledBox] = []
        boxes.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            guard let values = row as? [Any], values.count == 5, let numbers = values as? [Double], numbers.allSatisfy(\.isFinite) else {
                throw failure("invalid .json label: box \(index) is not [x, y, w, h, class] numbers")
            }
            let (x, y, w, h, classValue) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
            guard classValue.rounded() == classValue, (0..<Double(classes)).contains(classValue) else {
                throw failure("box \(index): class \(classValue.plainText) is outside 0..<\(classes) (the dataset's class count)")
            }
            let t = Self.boxTolerance
            guard w >= 0, h >= 0, x >= -t, y >= -t, x + w <= Double(width) + t, y + h <= Double(height) + t else {
                throw failure("box \(index) [\(x.plainText), \(y.plainText), \(w.plainText), \(h.plainText)] (x, y, w, h) "
                              + "lies outside the \(width)x\(height) image")
            }
            boxes.append(LabeledBox(classIndex: Int(classValue), x1: Float(x), y1: Float(y), x2: Float(x + w), y2: Float(y + h))
                .clipped(width: Float(width), height: Float(height)))
        }
        let image = try decodeImage(as: .rgb)
        guard image.width == width, image.height == height else {
            throw failure("the .json label says \(width)x\(height) but the image is \(image.width)x\(image.height)")
        }
        return DetectionSample(key: key, image: image, boxes: boxes)
    }

    /// The image (in `format`: the dataset's own channel count, or `.rgb` to expand grey) and the class of a
    /// classification sample: `.cls` holds the index as decimal text. Throws naming the key when the label is
    /// missing or not an integer in `0..<classes`.
    public func classificationSample(classes: Int, format: PixelFormat) throws -> ClassificationExample {
        guard let bytes = members["cls"] else { throw failure("no .cls label member") }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let label = Int(text) else { throw failure("invalid .cls label '\(text.prefix(40))': not a decimal integer") }
        guard (0..<classes).contains(label) else {
            throw failure("class \(label) is outside 0..<\(classes) (the dataset's class count)")
        }
        return ClassificationExample(key: key, image: try decodeImage(as: format), label: label)
    }

    private func failure(_ problem: String) -> SampleDecodingError {
        SampleDecodingError(key: key, problem: problem)
    }
}

private extension Double {
    /// Integers without a trailing ".0", other values as Swift prints them.
    var plainText: String {
        rounded() == self && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
