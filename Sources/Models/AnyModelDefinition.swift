import Foundation
import Support

/// Either kind of model file: a YOLOv5-format detection model or a ResNet classification model (a file with a
/// `family` key), so a command can accept both.
public enum AnyModelDefinition: Sendable {
    case detection(ModelDefinition)
    case classification(ResNetDefinition)

    /// Reads a model file and parses it as the kind it declares.
    public init(contentsOf path: String) throws {
        let text = try readSettingsFile(path)
        let isResNet = (try BoundedYAML.load(text, file: path) as? [String: Any])?["family"] != nil
        self = isResNet ? .classification(try ResNetDefinition(yaml: text, file: path))
                        : .detection(try ModelDefinition(yaml: text, file: path))
    }

    /// The file it came from.
    public var file: String {
        switch self {
        case let .detection(definition): return definition.file
        case let .classification(definition): return definition.file
        }
    }
}

