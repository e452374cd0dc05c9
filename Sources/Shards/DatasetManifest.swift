import POSIXFiles
import Foundation

/// dataset.json: what a dataset directory holds.
///
///     {"name": "fashion-mnist", "task": "classify", "classes": ["T-shirt", ...],
///      "image_size": {"width": 28, "height": 28},          (or "variable")
///      "splits": {"train": [{"file": "train-000000.tar.zst", "samples": 1000, "bytes": 123, "sha256": "..."}]},
///      "creator": {"tool": "spd convert fashion-mnist", "version": "0.1.0"},
///      "extra": {"coco_category_ids": "1,2,3"}}                (optional)
public struct DatasetManifest: Codable, Equatable, Sendable {
    public static let fileName = "dataset.json"

    public enum Task: String, Codable, Sendable {
        case classify, detect
    }

    /// Whether all images share one size.
    public enum ImageSize: Codable, Equatable, Sendable {
        case fixed(width: Int, height: Int)
        case variable

        private enum CodingKeys: String, CodingKey { case width, height }

        public init(from decoder: Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                guard text == "variable" else {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: decoder.codingPath, debugDescription: "expected \"variable\" or {\"width\", \"height\"}, found \"\(text)\""))
                }
                self = .variable
                return
            }
            let size = try decoder.container(keyedBy: CodingKeys.self)
            self = .fixed(width: try size.decode(Int.self, forKey: .width), height: try size.decode(Int.self, forKey: .height))
        }

        public func encode(to encoder: Encoder) throws {
            switch self {
            case .variable:
                var text = encoder.singleValueContainer()
                try text.encode("variable")
            case let .fixed(width, height):
                var size = encoder.container(keyedBy: CodingKeys.self)
                try size.encode(width, forKey: .width)
                try size.encode(height, forKey: .height)
            }
        }
    }

    /// The program that wrote the dataset.
    public struct Creator: Codable, Equatable, Sendable {
        public var tool: String
        public var version: String

        public init(tool: String, version: String) {
            self.tool = tool
            self.version = version
        }
    }

    public var name: String
    public var task: Task
    /// Class names; a sample's class index points into this list.
    public var classes: [String]
    public var imageSize: ImageSize
    /// Shards of each split ("train", "val", ...), in order.
    public var splits: [String: [ShardInfo]]
    public var creator: Creator
    /// Free-form converter-specific strings (e.g. a COCO category-id map).
    public var extra: [String: String]?

    private enum CodingKeys: String, CodingKey {
        case name, task, classes, imageSize = "image_size", splits, creator, extra
    }

    public init(
        name: String, task: Task, classes: [String], imageSize: ImageSize, splits: [String: [ShardInfo]],
        creator: Creator, extra: [String: String]? = nil
    ) {
        self.name = name
        self.task = task
        self.classes = classes
        self.imageSize = imageSize
        self.splits = splits
        self.creator = creator
        self.extra = extra
    }

    /// The largest dataset.json read (a million shards' entries fit in far less).
    public static let maximumBytes = 64 << 20

    /// Reads (a regular file of at most `maximumBytes`) and decodes `path`. Throws `.missingManifest` or
    /// `.invalidManifest` naming the path and field.
    public static func read(from path: String) throws -> DatasetManifest {
        let bytes: [UInt8]
        do {
            bytes = try ShardError.mapping { try readRegularFile(path, limit: maximumBytes) }
        } catch ShardError.system(_, "open", ENOENT, _) {
            throw ShardError.missingManifest(file: path)
        }
        do {
            return try JSONDecoder().decode(DatasetManifest.self, from: Data(bytes))
        } catch let error as DecodingError {
            let (field, reason) = describe(error)
            throw ShardError.invalidManifest(file: path, field: field, reason: reason)
        }
    }

    /// Writes the manifest as pretty-printed JSON with sorted keys, atomically (temporary file, fsync, rename).
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var bytes = [UInt8](try encoder.encode(self))
        bytes.append(UInt8(ascii: "\n"))
        try ShardError.mapping { try writeAtomically(bytes, to: path) }
    }

    /// A dotted field path (`splits.train[0].sha256`) and a short reason for a decoding error.
    private static func describe(_ error: DecodingError) -> (field: String?, reason: String) {
        func fieldPath(_ codingPath: [CodingKey]) -> String? {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? nil : text
        }
        switch error {
        case let .keyNotFound(key, context):
            return (fieldPath(context.codingPath + [key]), "missing")
        case let .typeMismatch(type, context):
            return (fieldPath(context.codingPath), "expected \(typeName(type))")
        case let .valueNotFound(type, context):
            return (fieldPath(context.codingPath), "expected \(typeName(type)), found null")
        case let .dataCorrupted(context):
            let reason = context.codingPath.isEmpty ? "not valid JSON" : context.debugDescription
            return (fieldPath(context.codingPath), reason)
        @unknown default:
            return (nil, String(describing: error))
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is [Any].Type: return "an array"
        default: return type is [String: Any].Type ? "an object" : "\(type)"
        }
    }
}
