import Foundation
import Support

/// Training hyperparameters in YOLOv5's hyp-file vocabulary (configs/hyps/*.yaml), plus `label_smoothing` and
/// `warmup_min_iterations`. Unknown keys are errors naming the file.
public struct Hyperparameters: Codable, Equatable, Sendable {
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

    public init() {}

    /// Reads a hyp file; every key must be known.
    public init(contentsOf path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw FileProblem(file: path, message: "cannot read the file") }
        try self.init(yaml: text, file: path)
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
        guard let path = Hyperparameters.fields[key] else {
            throw FileProblem(file: file, message: "unknown hyperparameter '\(key)' (known: \(Hyperparameters.fields.keys.sorted().joined(separator: ", ")))")
        }
        switch path {
        case let .double(keyPath): self[keyPath: keyPath] = try number()
        case let .int(keyPath):
            let v = try number()
            guard v == v.rounded() else { throw FileProblem(file: file, message: "'\(key)' must be a whole number, got \(value)") }
            self[keyPath: keyPath] = Int(v)
        }
    }

    private enum Field { case double(WritableKeyPath<Hyperparameters, Double>), int(WritableKeyPath<Hyperparameters, Int>) }
    private static var fields: [String: Field] { [
        "lr0": .double(\.lr0), "lrf": .double(\.lrf), "momentum": .double(\.momentum), "weight_decay": .double(\.weight_decay),
        "warmup_epochs": .double(\.warmup_epochs), "warmup_min_iterations": .int(\.warmup_min_iterations),
        "warmup_momentum": .double(\.warmup_momentum), "warmup_bias_lr": .double(\.warmup_bias_lr), "box": .double(\.box),
        "cls": .double(\.cls), "cls_pw": .double(\.cls_pw), "obj": .double(\.obj), "obj_pw": .double(\.obj_pw),
        "anchor_t": .double(\.anchor_t), "fl_gamma": .double(\.fl_gamma), "label_smoothing": .double(\.label_smoothing),
        "hsv_h": .double(\.hsv_h), "hsv_s": .double(\.hsv_s), "hsv_v": .double(\.hsv_v), "degrees": .double(\.degrees),
        "translate": .double(\.translate), "scale": .double(\.scale), "shear": .double(\.shear), "perspective": .double(\.perspective),
        "flipud": .double(\.flipud), "fliplr": .double(\.fliplr), "mosaic": .double(\.mosaic), "mixup": .double(\.mixup),
    ] }
}

