import Foundation

/// The `<key>.json` member of a detection sample:
/// `{"width", "height", "boxes": [[x, y, w, h, class], ...]}` in pixels, COCO xywh, plus optional
/// per-box lists parallel to `boxes` (`iscrowd` 0/1 and `area`, from COCO) and the source image's `image_id`
/// and `file`.
public struct DetectionLabel: Codable, Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// Rows `[x, y, w, h, class]`.
    public var boxes: [[Double]]
    public var iscrowd: [Int]?
    public var area: [Double]?
    public var imageID: Int?
    public var file: String?

    private enum CodingKeys: String, CodingKey {
        case width, height, boxes, iscrowd, area, imageID = "image_id", file
    }

    public init(width: Int, height: Int, boxes: [[Double]], iscrowd: [Int]? = nil, area: [Double]? = nil, imageID: Int? = nil, file: String? = nil) {
        self.width = width
        self.height = height
        self.boxes = boxes
        self.iscrowd = iscrowd
        self.area = area
        self.imageID = imageID
        self.file = file
    }

    /// Compact JSON with sorted keys, so equal labels give equal bytes.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(self))
    }

    /// Decodes a `.json` member; `name` (shard and key) names errors.
    public init(decoding bytes: [UInt8], name: String) throws {
        do {
            self = try JSONDecoder().decode(DetectionLabel.self, from: Data(bytes))
        } catch {
            throw DatasetError.badInput(file: name, problem: "invalid detection label JSON (\(error))")
        }
    }
}
