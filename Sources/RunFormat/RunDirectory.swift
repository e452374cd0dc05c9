import Foundation
import Support

/// A run's directory: config.yaml, model.yaml and classes.txt (the model file and the class names it trained with),
/// results.csv (one row per epoch), metrics.jsonl (every N steps), events.jsonl (lifecycle events for the
/// coordinator), plots/results.svg and checkpoints/. Only rank 0 writes.
public final class RunDirectory {
    /// The model file's text as the run trained it.
    public static let modelFileName = "model.yaml"
    /// The class names of the run's dataset, one per line.
    public static let classNamesFileName = "classes.txt"

    public let path: String
    private var metrics: FileHandle?
    private var events: FileHandle?

    public init(path: String) throws {
        self.path = path
        for directory in [path, "\(path)/checkpoints", "\(path)/plots"] {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw FileProblem(file: directory, message: "cannot create the run directory: \(error.localizedDescription)")
            }
        }
    }

    public var checkpointsPath: String { "\(path)/checkpoints" }

    /// Writes a whole file atomically (temporary name, then rename).
    public func write(_ name: String, _ text: String) throws {
        let url = URL(fileURLWithPath: "\(path)/\(name)")
        do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
            throw FileProblem(file: url.path, message: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Appends one JSON object as a line to metrics.jsonl.
    public func appendMetrics(_ object: [String: Any]) throws { try append(object, to: &metrics, name: "metrics.jsonl") }

    /// Appends a lifecycle event (`event` plus fields, with a timestamp) to events.jsonl.
    public func appendEvent(_ event: String, _ fields: [String: Any] = [:]) throws {
        var object = fields
        object["event"] = event
        object["time"] = Date().timeIntervalSince1970
        try append(object, to: &events, name: "events.jsonl")
    }

    private func append(_ object: [String: Any], to handle: inout FileHandle?, name: String) throws {
        let file = "\(path)/\(name)"
        do {
            if handle == nil {
                if !FileManager.default.fileExists(atPath: file) { _ = FileManager.default.createFile(atPath: file, contents: nil) }
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
                try handle!.seekToEnd()
            }
            var data = try JSONSerialization.data(withJSONObject: jsonSafe(object), options: [.sortedKeys])
            data.append(0x0A)
            try handle!.write(contentsOf: data)
        } catch {
            throw FileProblem(file: file, message: "cannot append: \(error.localizedDescription)")
        }
    }
}

/// JSON has no NaN or infinity: such numbers are written as null (a diverged loss shows up as null, not as a
/// failed write).
func jsonSafe(_ value: Any) -> Any {
    switch value {
    case let number as Double: return number.isFinite ? number : NSNull()
    case let number as Float: return number.isFinite ? Double(number) : NSNull()
    case let dictionary as [String: Any]: return dictionary.mapValues(jsonSafe)
    case let array as [Any]: return array.map(jsonSafe)
    default: return value
    }
}

/// One results.csv row: an epoch's mean training losses, validation metrics and losses, learning rates.
public struct EpochResult: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLosses: [Double]
    public var metrics: [Double]
    public var validationLosses: [Double]
    public var learningRates: [Double]
    public var seconds: Double

    public init(epoch: Int, trainLosses: [Double], metrics: [Double], validationLosses: [Double], learningRates: [Double], seconds: Double) {
        self.epoch = epoch
        self.trainLosses = trainLosses
        self.metrics = metrics
        self.validationLosses = validationLosses
        self.learningRates = learningRates
        self.seconds = seconds
    }

    /// results.csv's column names, YOLOv5's where they exist.
    public static func columns(lossNames: [String], metricNames: [String]) -> [String] {
        ["epoch"] + lossNames.map { "train/\($0)" } + metricNames.map { "metrics/\($0)" } + lossNames.map { "val/\($0)" }
            + ["x/lr0", "x/lr1", "x/lr2", "time/epoch_seconds"]
    }

    /// The row's value for each column after `epoch` (nil: not measured, e.g. an epoch without validation).
    public func values(lossNames: [String], metricNames: [String]) -> [Double?] {
        func cells(_ values: [Double], _ count: Int) -> [Double?] { (0..<count).map { values.indices.contains($0) ? values[$0] : nil } }
        return cells(trainLosses, lossNames.count) + cells(metrics, metricNames.count) + cells(validationLosses, lossNames.count)
            + cells(learningRates, 3) + [seconds]
    }

    /// The CSV file for these rows. Every row has every column: an epoch without validation leaves its metric and
    /// validation-loss cells empty.
    public static func csv(_ rows: [EpochResult], lossNames: [String], metricNames: [String]) -> String {
        let header = columns(lossNames: lossNames, metricNames: metricNames)
        let lines = rows.map { row in
            let values = row.values(lossNames: lossNames, metricNames: metricNames)
            let cells = values.dropLast().map { $0.map { String(format: "%.6g", $0) } ?? "" } + [String(format: "%.1f", row.seconds)]
            return ([String(row.epoch)] + cells).joined(separator: ",")
        }
        return ([header.joined(separator: ",")] + lines).joined(separator: "\n") + "\n"
    }
}
