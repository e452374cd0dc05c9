import Foundation
import Yams

/// What one finished run measured, read from its run directory: the best epoch of results.csv (by YOLOv5's
/// fitness, 0.1 mAP@0.5 + 0.9 mAP@0.5:0.95: the epoch of the best checkpoint), the median images/s of
/// metrics.jsonl, the wall time from the first `started` to the `done` event, and the model the run trained.
public struct RunResults: Equatable, Sendable {
    /// Metric name (the results.csv column without `metrics/`) -> value at the best epoch.
    public var metrics: [String: Double]
    public var imagesPerSecond: Double?
    public var wallSeconds: Double?
    /// model, imgsz and classes from config.yaml.
    public var model: String
    public var imageSize: Int
    public var classes: Int?

    public init(metrics: [String: Double], imagesPerSecond: Double?, wallSeconds: Double?, model: String, imageSize: Int, classes: Int?) {
        self.metrics = metrics
        self.imagesPerSecond = imagesPerSecond
        self.wallSeconds = wallSeconds
        self.model = model
        self.imageSize = imageSize
        self.classes = classes
    }

    /// Reads `directory`; nil when the run has no results.csv rows with metrics yet.
    public init?(directory: String) throws {
        guard let csv = try? String(contentsOfFile: "\(directory)/results.csv", encoding: .utf8),
              let best = try Self.bestRow(csv: csv, file: "\(directory)/results.csv") else { return nil }
        let configFile = "\(directory)/config.yaml"
        guard let text = try? String(contentsOfFile: configFile, encoding: .utf8),
              let config = (try? Yams.load(yaml: text)) as? [String: Any], let model = config["model"] as? String, let imageSize = config["imgsz"] as? Int else {
            throw CoordinatorError("\(configFile): missing or without model and imgsz")
        }
        let rates = Self.jsonLines("\(directory)/metrics.jsonl").compactMap { $0["images_per_second"] as? Double }.sorted()
        let events = Self.jsonLines("\(directory)/events.jsonl")
        let start = events.first { $0["event"] as? String == "started" }?["time"] as? Double
        let done = events.last { $0["event"] as? String == "done" }?["time"] as? Double
        self.init(metrics: best, imagesPerSecond: rates.isEmpty ? nil : rates[rates.count / 2],
                  wallSeconds: start.flatMap { start in done.map { $0 - start } }, model: model, imageSize: imageSize, classes: config["classes"] as? Int)
    }

    /// The metrics of the row with the best fitness; nil when no row has validation metrics.
    static func bestRow(csv: String, file: String) throws -> [String: Double]? {
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return nil }
        var best: (fitness: Double, metrics: [String: Double])?
        for (index, row) in lines.dropFirst().enumerated() {
            guard row.count == header.count else { throw CoordinatorError("\(file): row \(index + 1) has \(row.count) columns, the header \(header.count)") }
            var metrics: [String: Double] = [:]
            for (column, value) in zip(header, row) where column.hasPrefix("metrics/") { metrics[String(column.dropFirst(8))] = Double(value) }
            guard let ap = metrics["mAP_0.5:0.95"], let ap50 = metrics["mAP_0.5"] else { continue }
            let fitness = 0.1 * ap50 + 0.9 * ap
            if best == nil || fitness > best!.fitness { best = (fitness, metrics) }
        }
        return best?.metrics
    }

    private static func jsonLines(_ path: String) -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return data.split(separator: 0x0A).compactMap { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] }
    }
}
