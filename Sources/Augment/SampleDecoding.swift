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
    /// Decodes the image member (`SampleSchema.imageExtensions`, by content) into `format`.
    public func decodeImage(as format: PixelFormat) throws -> Image {
        guard let ext = SampleSchema.imageExtensions.first(where: { members[$0] != nil }), let bytes = members[ext] else {
            throw failure(SampleSchema.missingImage)
        }
        do {
            return try Image(decoding: bytes, name: ".\(ext) member", as: format)
        } catch let error as ImageError {
            throw failure("\(error)")
        }
    }

    /// The RGB image and the boxes of a detection sample (`SampleSchema`); other keys of the label are ignored. Throws
    /// naming the key when the label is missing or malformed, a box breaks the schema's rules (a class outside
    /// `0..<classes`, or outside the image by more than `SampleSchema.boxTolerance` pixels: smaller overhangs are
    /// clipped), or the label's size is not the image's.
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
            guard let values = row as? [Any], let numbers = values as? [Double] else {
                throw failure("invalid .json label: box \(index) is not [x, y, w, h, class] numbers")
            }
            if let problem = SampleSchema.boxProblem(numbers, index: index, classes: classes, width: width, height: height) { throw failure(problem) }
            let (x, y, w, h) = (numbers[0], numbers[1], numbers[2], numbers[3])
            boxes.append(LabeledBox(classIndex: Int(numbers[4]), x1: Float(x), y1: Float(y), x2: Float(x + w), y2: Float(y + h))
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
        let label: Int
        switch SampleSchema.classIndex(bytes, classes: classes) {
        case let .success(index): label = index
        case let .failure(problem): throw failure(problem.description)
        }
        return ClassificationExample(key: key, image: try decodeImage(as: format), label: label)
    }

    private func failure(_ problem: String) -> SampleDecodingError {
        SampleDecodingError(key: key, problem: problem)
    }
}
