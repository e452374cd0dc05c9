import Foundation
import Support

/// The residual block of a ResNet: BasicBlock (two 3x3 convs) or BottleNeck (1x1, 3x3, 1x1 with expansion 4).
public enum ResNetBlockKind: String, Sendable, CaseIterable {
    case basic, bottleneck

    /// Output width over the stage width: 1 for BasicBlock, 4 for BottleNeck.
    public var expansion: Int { self == .basic ? 1 : 4 }
}

/// A ResNet classification model (the reference's CIFAR/Tiny-ImageNet ResNets, with or without SPD-Conv):
/// four stages conv2_x..conv5_x of widths 64, 128, 256, 512, the last three downsampling by 2.
///
/// Model file (YAML), every key required:
/// ```
/// family: resnet        # marks a ResNet file (YOLO files have no 'family')
/// block: basic          # basic | bottleneck
/// layers: [2, 2, 2, 2]  # blocks per stage
/// spd: true             # SPD stem and SPD downsampling, or the baseline
/// classes: 200
/// ```
public struct ResNetDefinition: Sendable, Equatable {
    /// Where the definition came from (a path, or the model name for built-in definitions); used in errors.
    public var file: String
    /// The model's name in messages, e.g. `resnet18-spd`.
    public var name: String
    public var block: ResNetBlockKind
    /// Blocks per stage, conv2_x..conv5_x.
    public var layers: [Int]
    public var spd: Bool
    public var classes: Int

    /// Widths of the four stages.
    public static let stageWidths = [64, 128, 256, 512]
    static let keys = ["family", "block", "layers", "spd", "classes"]

    public init(name: String, block: ResNetBlockKind, layers: [Int], spd: Bool, classes: Int) {
        file = name
        self.name = name
        self.block = block
        self.layers = layers
        self.spd = spd
        self.classes = classes
    }

    /// ResNet-18 (BasicBlock [2, 2, 2, 2]), named `resnet18` or `resnet18-spd`.
    public static func resnet18(spd: Bool, classes: Int) -> ResNetDefinition {
        ResNetDefinition(name: spd ? "resnet18-spd" : "resnet18", block: .basic, layers: [2, 2, 2, 2], spd: spd, classes: classes)
    }

    /// ResNet-50 (BottleNeck [3, 4, 6, 3]), named `resnet50` or `resnet50-spd`.
    public static func resnet50(spd: Bool, classes: Int) -> ResNetDefinition {
        ResNetDefinition(name: spd ? "resnet50-spd" : "resnet50", block: .bottleneck, layers: [3, 4, 6, 3], spd: spd, classes: classes)
    }

    /// Input downsampling before the head: 16 with SPD (stem and three stages), 8 for the baseline.
    public var totalStride: Int { spd ? 16 : 8 }

    /// Parses a model file's YAML text; `file` names the source in errors and gives the model its name.
    public init(yaml: String, file: String) throws {
        func fail(_ message: String) -> FileProblem { FileProblem(file: file, message: message) }
        let root: Any?
        root = try BoundedYAML.load(yaml, file: file)
        guard let dictionary = root as? [String: Any] else { throw fail("expected a mapping with " + Self.keys.joined(separator: ", ")) }
        if let unknown = dictionary.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw fail("unknown key '\(unknown)' (a ResNet file has " + Self.keys.joined(separator: ", ") + ")")
        }
        if let missing = Self.keys.first(where: { dictionary[$0] == nil }) { throw fail("missing key '\(missing)'") }
        guard dictionary["family"] as? String == "resnet" else { throw fail("'family' must be resnet, got \(dictionary["family"]!)") }
        guard let blockName = dictionary["block"] as? String, let block = ResNetBlockKind(rawValue: blockName) else {
            throw fail("'block' must be basic or bottleneck, got \(dictionary["block"]!)")
        }
        guard let layers = dictionary["layers"] as? [Int], layers.count == 4, layers.allSatisfy({ (1...ModelLimits.maximumRepeats).contains($0) }) else {
            throw fail("'layers' must list 4 block counts from 1 to \(ModelLimits.maximumRepeats) (conv2_x..conv5_x), got \(dictionary["layers"]!)")
        }
        guard let spd = dictionary["spd"] as? Bool else { throw fail("'spd' must be true or false, got \(dictionary["spd"]!)") }
        guard let classes = dictionary["classes"] as? Int, !(dictionary["classes"] is Bool), (1...ModelLimits.maximumClasses).contains(classes) else {
            throw fail("'classes' must be an integer from 1 to \(ModelLimits.maximumClasses), got \(dictionary["classes"]!)")
        }
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        self.init(name: name, block: block, layers: layers, spd: spd, classes: classes)
        self.file = file
    }

    /// Reads a model file from disk.
    public init(contentsOf path: String) throws {
        try self.init(yaml: try readSettingsFile(path), file: path)
    }
}
