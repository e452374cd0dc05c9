import Foundation
import Support

/// Training hyperparameters in YOLOv5's hyp-file vocabulary (configs/hyps/*.yaml), plus `label_smoothing` and
/// `warmup_min_iterations`. Every key of YOLOv5 v6.0's hyp files loads: `iou_t` is accepted and unused (YOLOv5 v6.0
/// does not use it either), `anchors` only as 0 (YOLOv5 then keeps the model file's anchors, as SPDTrain always
/// does), `copy_paste` is kept and has no effect on box labels (it pastes segments, which YOLOv5 skips for box-only
/// labels too). Unknown keys are errors naming the file.
public struct Hyperparameters: Codable, Equatable, Sendable, CustomStringConvertible {
    public var lr0 = 0.01
    public var lrf = 0.1
    public var momentum = 0.937
    public var weight_decay = 0.0005
    public var warmup_epochs = 3.0
    public var warmup_min_iterations = 1000
    public var warmup_momentum = 0.8
    public var warmup_bias_lr = 0.1
    public var box = 0.05
    public var cls = 0.5
    public var cls_pw = 1.0
    public var obj = 1.0
    public var obj_pw = 1.0
    public var anchor_t = 4.0
    public var fl_gamma = 0.0
    public var label_smoothing = 0.0
    public var hsv_h = 0.015
    public var hsv_s = 0.7
    public var hsv_v = 0.4
    public var degrees = 0.0
    public var translate = 0.1
    public var scale = 0.5
    public var shear = 0.0
    public var perspective = 0.0
    public var flipud = 0.0
    public var fliplr = 0.5
    public var mosaic = 1.0
    public var mixup = 0.0
    // Added after 0.6.0: at their defaults they are left out of `description`, which run identities hash.
    public var copy_paste = 0.0

    public init() {}

    /// Hyp-file keys that are accepted and not kept: YOLOv5 v6.0 reads `iou_t` nowhere.
    static let acceptedUnused: [String: ClosedRange<Double>] = ["iou_t": 0...1]

    /// "Hyperparameters(lr0: 0.01, ...)": every field, except those added after 0.6.0 while at their defaults, so the
    /// run identity of every earlier run stays the same.
    public var description: String {
        let defaults = Mirror(reflecting: Hyperparameters()).children.map { String(describing: $0.value) }
        let fields = Mirror(reflecting: self).children.enumerated().compactMap { index, child -> String? in
            guard let label = child.label else { return nil }
            let value = String(describing: child.value)
            if Self.addedAfter060.contains(label), value == defaults[index] { return nil }
            return "\(label): \(value)"
        }
        return "Hyperparameters(\(fields.joined(separator: ", ")))"
    }

    private static let addedAfter060: Set<String> = ["copy_paste"]

    /// Reads a hyp file; every key must be known.
    public init(contentsOf path: String) throws {
        try self.init(yaml: try readSettingsFile(path), file: path)
    }

    public init(yaml: String, file: String) throws {
        self.init()
        let root: Any?
        root = try BoundedYAML.load(yaml, file: file)
        guard let values = root as? [String: Any] else { throw FileProblem(file: file, message: "expected a mapping of hyperparameters") }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { try set(key, value, file: file) }
    }

    /// Sets one hyperparameter by its hyp-file name (also used for command-line overrides).
    public mutating func set(_ key: String, _ value: Any, file: String) throws {
        func number() throws -> Double {
            if let v = value as? Double { return v }
            if let v = value as? Int { return Double(v) }
            if let s = value as? String, let v = Double(s) { return v }
            throw FileProblem(file: file, message: "'\(key)' must be a number, got \(value)")
        }
        if let domain = Self.acceptedUnused[key] {
            let v = try number()
            guard domain.contains(v) else { throw FileProblem(file: file, message: "'\(key)' must be a number from \(domain.lowerBound) to \(domain.upperBound), got \(value)") }
            return
        }
        if key == "anchors" {
            guard try number() == 0 else {
                throw FileProblem(file: file, message: "'anchors' (YOLOv5: rebuild the model with this many anchors per level and let autoanchor fit them) "
                                  + "is not implemented: the model file's anchors are used; remove the key or set it to 0")
            }
            return
        }
        guard let path = Hyperparameters.fields[key] else {
            let known = Hyperparameters.fields.keys.sorted() + Self.acceptedUnused.keys.sorted() + ["anchors"]
            throw FileProblem(file: file, message: "unknown hyperparameter '\(key)' (known: \(known.joined(separator: ", ")))")
        }
        let v = try number()
        // NaN and infinities are outside every domain.
        guard path.domain.contains(v) else {
            throw FileProblem(file: file, message: "'\(key)' must be a number from \(path.domain.lowerBound) to \(path.domain.upperBound), got \(value)")
        }
        switch path.field {
        case let .double(keyPath): self[keyPath: keyPath] = v
        case let .int(keyPath):
            guard v == v.rounded() else { throw FileProblem(file: file, message: "'\(key)' must be a whole number, got \(value)") }
            self[keyPath: keyPath] = Int(v)
        }
    }

    private enum Field { case double(WritableKeyPath<Hyperparameters, Double>), int(WritableKeyPath<Hyperparameters, Int>) }
    /// Each hyperparameter and its domain: rates and gains are not negative, probabilities and fractions lie in
    /// [0, 1], angles in degrees; the upper bounds are far above any recipe's.
    private static var fields: [String: (field: Field, domain: ClosedRange<Double>)] { [
        "lr0": (.double(\.lr0), 0...10), "lrf": (.double(\.lrf), 0...10), "momentum": (.double(\.momentum), 0...1),
        "weight_decay": (.double(\.weight_decay), 0...1), "warmup_epochs": (.double(\.warmup_epochs), 0...10_000),
        "warmup_min_iterations": (.int(\.warmup_min_iterations), 0...1e9), "warmup_momentum": (.double(\.warmup_momentum), 0...1),
        "warmup_bias_lr": (.double(\.warmup_bias_lr), 0...10), "box": (.double(\.box), 0...1000), "cls": (.double(\.cls), 0...1000),
        "cls_pw": (.double(\.cls_pw), 0...1000), "obj": (.double(\.obj), 0...1000), "obj_pw": (.double(\.obj_pw), 0...1000),
        "anchor_t": (.double(\.anchor_t), 1...1000), "fl_gamma": (.double(\.fl_gamma), 0...10), "label_smoothing": (.double(\.label_smoothing), 0...1),
        "hsv_h": (.double(\.hsv_h), 0...1), "hsv_s": (.double(\.hsv_s), 0...1), "hsv_v": (.double(\.hsv_v), 0...1),
        "degrees": (.double(\.degrees), 0...180), "translate": (.double(\.translate), 0...1), "scale": (.double(\.scale), 0...0.99),
        "shear": (.double(\.shear), 0...45), "perspective": (.double(\.perspective), 0...0.1), "flipud": (.double(\.flipud), 0...1),
        "fliplr": (.double(\.fliplr), 0...1), "mosaic": (.double(\.mosaic), 0...1), "mixup": (.double(\.mixup), 0...1),
        "copy_paste": (.double(\.copy_paste), 0...1),
    ] }
}

