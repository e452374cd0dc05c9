import Foundation
import Support

/// One row of a YOLOv5-format model file: `[from, number, module, args]`.
public struct LayerRow: Sendable {
    /// Source rows as written (-1 = the previous row).
    public var from: [Int]
    public var number: Int
    public var module: String
    public var arguments: [ModelArgument]
}

/// A value in a row's argument list, with YOLOv5's names `nc` and `anchors` and Python's `None` kept symbolic.
public enum ModelArgument: Sendable, Equatable, CustomStringConvertible {
    case int(Int), double(Double), bool(Bool), string(String), none, list([ModelArgument])
    /// A name the reference `eval`s: `nc` or `anchors`.
    case symbol(String)

    public var description: String {
        switch self {
        case let .int(v): return "\(v)"
        case let .double(v): return "\(v)"
        case let .bool(v): return v ? "True" : "False"
        case let .string(v): return "'\(v)'"
        case .none: return "None"
        case let .list(v): return "[" + v.map(\.description).joined(separator: ", ") + "]"
        case let .symbol(v): return v
        }
    }
}

/// A YOLOv5-format model file (the reference's `space_depth_*.yaml` and `yolov5*.yaml` load unchanged).
public struct ModelDefinition: Sendable {
    public var file: String
    public var classes: Int
    public var depthMultiple: Double
    public var widthMultiple: Double
    /// Anchors per level in pixels, (w, h) pairs.
    public var anchors: [[Double]]
    public var backbone: [LayerRow]
    public var head: [LayerRow]
    public var rows: [LayerRow] { backbone + head }

    /// Parses YAML text; `file` names the source in errors.
    public init(yaml: String, file: String) throws {
        self.file = file
        func fail(_ message: String) -> FileProblem { FileProblem(file: file, message: message) }
        let root: Any?
        root = try BoundedYAML.load(yaml, file: file)
        guard let dictionary = root as? [String: Any] else { throw fail("expected a mapping with nc, depth_multiple, width_multiple, anchors, backbone, head") }
        let known: Set<String> = ["nc", "depth_multiple", "width_multiple", "anchors", "backbone", "head", "ch"]
        if let unknown = dictionary.keys.sorted().first(where: { !known.contains($0) }) { throw fail("unknown key '\(unknown)'") }
        guard let nc = dictionary["nc"] as? Int, (1...ModelLimits.maximumClasses).contains(nc) else {
            throw fail("'nc' must be an integer from 1 to \(ModelLimits.maximumClasses)")
        }
        guard let depth = ModelDefinition.number(dictionary["depth_multiple"]), depth > 0, depth <= ModelLimits.maximumMultiple else {
            throw fail("'depth_multiple' must be a number above 0 and at most \(Int(ModelLimits.maximumMultiple))")
        }
        guard let width = ModelDefinition.number(dictionary["width_multiple"]), width > 0, width <= ModelLimits.maximumMultiple else {
            throw fail("'width_multiple' must be a number above 0 and at most \(Int(ModelLimits.maximumMultiple))")
        }
        classes = nc
        depthMultiple = depth
        widthMultiple = width
        if let levels = dictionary["anchors"] as? [Any] {
            anchors = try levels.enumerated().map { i, level in
                guard let values = level as? [Any], !values.isEmpty, values.count % 2 == 0,
                      case let numbers = values.compactMap(ModelDefinition.number), numbers.count == values.count else {
                    throw fail("anchors level \(i) must be a list of w,h pixel pairs")
                }
                guard numbers.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw fail("anchors level \(i) must hold positive finite sizes, got \(values)") }
                return numbers
            }
            if let first = anchors.first, let other = anchors.firstIndex(where: { $0.count != first.count }) {
                throw fail("anchors level \(other) has \(anchors[other].count / 2) anchors, level 0 has \(first.count / 2): every level needs the same number")
            }
        } else if dictionary["anchors"] == nil {
            anchors = []
        } else {
            throw fail("'anchors' must be a list of levels of w,h pixel pairs (a plain anchor count is not supported)")
        }
        backbone = try ModelDefinition.rows(dictionary["backbone"], section: "backbone", fail)
        head = try ModelDefinition.rows(dictionary["head"], section: "head", fail)
        if backbone.isEmpty { throw fail("'backbone' has no rows") }
    }

    /// Reads a model file from disk.
    public init(contentsOf path: String) throws {
        try self.init(yaml: try readSettingsFile(path), file: path)
    }

    private static func number(_ value: Any?) -> Double? {
        if let v = value as? Int { return Double(v) }
        if let v = value as? Double { return v }
        return nil
    }

    private static func rows(_ value: Any?, section: String, _ fail: (String) -> FileProblem) throws -> [LayerRow] {
        guard let list = value as? [Any] else { throw fail("'\(section)' must be a list of [from, number, module, args] rows") }
        return try list.enumerated().map { i, item in
            guard let row = item as? [Any], row.count == 4 else { throw fail("\(section) row \(i): expected [from, number, module, args]") }
            let from: [Int]
            if let single = row[0] as? Int { from = [single] } else if let many = row[0] as? [Int], !many.isEmpty { from = many } else {
                throw fail("\(section) row \(i): 'from' must be an integer or a list of integers")
            }
            guard let number = row[1] as? Int, (1...ModelLimits.maximumRepeats).contains(number) else {
                throw fail("\(section) row \(i): 'number' must be an integer from 1 to \(ModelLimits.maximumRepeats)")
            }
            guard let module = row[2] as? String else { throw fail("\(section) row \(i): module must be a name") }
            guard let arguments = row[3] as? [Any] else { throw fail("\(section) row \(i): args must be a list") }
            return LayerRow(from: from, number: number, module: module, arguments: arguments.map(argument))
        }
    }

    private static func argument(_ value: Any) -> ModelArgument {
        switch value {
        case let v as Bool: return .bool(v)
        case let v as Int: return .int(v)
        case let v as Double: return .double(v)
        case let v as [Any]: return .list(v.map(argument))
        case let v as String:
            switch v {
            case "None", "null": return .none
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "nc", "anchors": return .symbol(v)
            default: return .string(v)
            }
        default: return .none
        }
    }
}

/// YOLOv5's depth rule: n = max(round(n * depth_multiple), 1) when n > 1, with Python's round-half-to-even.
public func scaledDepth(_ n: Int, multiple: Double) -> Int {
    n > 1 ? max(Int((Double(n) * multiple).rounded(.toNearestOrEven)), 1) : n
}

/// YOLOv5's width rule: ceil(c * width_multiple / 8) * 8.
public func scaledWidth(_ c: Int, multiple: Double) -> Int {
    Int((Double(c) * multiple / 8).rounded(.up)) * 8
}
