import POSIXFiles
import Support
import Foundation
import RunFormat

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
        guard let best = try ResultsTable(contentsOf: "\(directory)/results.csv")?.bestDetectionMetrics() else { return nil }
        let configFile = "\(directory)/config.yaml"
        guard let text = try? readTextFile(configFile, limit: BoundedYAML.maximumBytes),
              let config = (try? BoundedYAML.load(text, file: configFile)) as? [String: Any], let model = config["model"] as? String, let imageSize = config["imgsz"] as? Int else {
            throw CoordinatorError("\(configFile): missing or without model and imgsz")
        }
        let rates = Self.jsonLines("\(directory)/metrics.jsonl").compactMap { $0["images_per_second"] as? Double }.sorted()
        let events = Self.jsonLines("\(directory)/events.jsonl")
        let start = events.first { $0["event"] as? String == "started" }?["time"] as? Double
        let done = events.last { $0["event"] as? String == "done" }?["time"] as? Double
        self.init(metrics: best, imagesPerSecond: rates.isEmpty ? nil : rates[rates.count / 2],
                  wallSeconds: start.flatMap { start in done.map { $0 - start } }, model: model, imageSize: imageSize, classes: config["classes"] as? Int)
    }

    private static func jsonLines(_ path: String) -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return data.split(separator: 0x0A).compactMap { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] }
    }
}
