import Foundation

/// One line of a run's events.jsonl (written by `spd train` rank 0): `event` is started, heartbeat, epoch,
/// checkpoint, checkpoint_failed, done or failed; the other fields depend on it.
public struct RunEvent: @unchecked Sendable {
    public var event: String
    public var fields: [String: Any]

    public var time: Double? { fields["time"] as? Double }
    public var epoch: Int? { fields["epoch"] as? Int }
    public var step: Int? { fields["step"] as? Int }
    public var imagesPerSecond: Double? { fields["images_per_second"] as? Double }
    /// Validation metrics of an `epoch` event, by name (mAP_0.5:0.95, AP_S, ...).
    public var metrics: [String: Double] { (fields["metrics"] as? [String: Any])?.compactMapValues { $0 as? Double } ?? [:] }
}

/// Follows a run's events.jsonl from a byte offset: each `readNew()` returns the complete lines added since the last
/// call (a line still being written waits for its newline).
public final class EventLog {
    public let path: String
    public private(set) var offset: UInt64

    public init(path: String, offset: UInt64 = 0) {
        self.path = path
        self.offset = offset
    }

    /// The file's current size (0 when it does not exist yet).
    public static func size(of path: String) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
    }

    /// New complete events; lines that are not JSON objects are skipped.
    public func readNew() -> [RunEvent] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd(), let lastNewline = data.lastIndex(of: 0x0A) else { return [] }
        let complete = data[data.startIndex...lastNewline]
        offset += UInt64(complete.count)
        return complete.split(separator: 0x0A).compactMap { line in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any], let event = object["event"] as? String else { return nil }
            return RunEvent(event: event, fields: object)
        }
    }
}

/// What a run's events say about its progress, for `spd status`.
public struct RunProgress: Sendable {
    public var epoch: Int?
    public var step: Int?
    public var imagesPerSecond: Double?
    public var epochsDone = 0
    /// Best validation AP (mAP_0.5:0.95) of any epoch, and that epoch's AP_S.
    public var bestAP: Double?
    public var bestAPSmall: Double?
    public var firstStart: Double?
    public var lastTime: Double?
    public var lastEvent: String?

    public init(events: [RunEvent]) {
        for event in events {
            lastEvent = event.event
            lastTime = event.time ?? lastTime
            if event.event == "started", firstStart == nil { firstStart = event.time }
            if let epoch = event.epoch { self.epoch = epoch }
            if let step = event.step { self.step = step }
            if let rate = event.imagesPerSecond { imagesPerSecond = rate }
            if event.event == "epoch" {
                epochsDone = (event.epoch ?? epochsDone) + 1
                step = nil
                if let ap = event.metrics["mAP_0.5:0.95"], ap > (bestAP ?? -1) {
                    bestAP = ap
                    bestAPSmall = event.metrics["AP_S"]
                }
            }
        }
    }

    /// Seconds left, from the mean time per finished epoch so far (nil before the first epoch ends).
    public func secondsLeft(epochs: Int) -> Double? {
        guard epochsDone > 0, let firstStart, let lastTime, epochs > epochsDone else { return nil }
        return (lastTime - firstStart) / Double(epochsDone) * Double(epochs - epochsDone)
    }
}
