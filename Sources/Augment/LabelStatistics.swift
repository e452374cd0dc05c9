import Foundation
import Support

/// The labels of the training images a rank reads in a run's first epoch, for YOLOv5's labels.jpg: instances per
/// class and the boxes' centres and sizes relative to their images (all of them up to `maximumBoxes`, then a uniform
/// sample kept by reservoir sampling). Filled from the prefetch threads, so every access takes the lock. The ranks'
/// records are merged (`encoded`, `merged`) so the picture covers every training image, as YOLOv5's does.
public final class LabelStatistics: @unchecked Sendable {
    public static let maximumBoxes = 5000
    /// The epoch whose samples are recorded (prefetching reads the next epoch's first batches before this one ends).
    public let epoch: Int
    /// The epoch positions recorded: those the epoch trains on (a truncated epoch's prefetched batches and the wrapped
    /// repeats of its last step are not).
    public let positions: Range<Int>
    private let lock = NSLock()
    private var counts: [Int]
    private var kept: [(cx: Double, cy: Double, w: Double, h: Double)] = []
    private var seen = 0, imageCount = 0
    private var random = SeededGenerator(seed: 0x1abe15)

    public init(classes: Int, epoch: Int = 0, positions: Range<Int> = 0..<Int.max) {
        counts = [Int](repeating: 0, count: classes)
        self.epoch = epoch
        self.positions = positions
    }

    /// True for a sample this record takes: of its epoch, at one of its positions.
    public func records(epoch: Int, position: Int) -> Bool { epoch == self.epoch && positions.contains(position) }

    /// Records one decoded sample (before augmentation).
    public func add(_ sample: DetectionSample) {
        let width = Double(sample.image.width), height = Double(sample.image.height)
        lock.lock()
        defer { lock.unlock() }
        imageCount += 1
        for box in sample.boxes {
            if counts.indices.contains(box.classIndex) { counts[box.classIndex] += 1 }
            let entry = (cx: Double(box.x1 + box.x2) / 2 / width, cy: Double(box.y1 + box.y2) / 2 / height,
                         w: Double(box.x2 - box.x1) / width, h: Double(box.y2 - box.y1) / height)
            seen += 1
            if kept.count < Self.maximumBoxes {
                kept.append(entry)
            } else {
                let slot = Int(random.next() % UInt64(seen))
                if slot < Self.maximumBoxes { kept[slot] = entry }
            }
        }
    }

    /// What was recorded, as bytes for an allgather between ranks.
    public func encoded() -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        let part = Part(images: imageCount, seen: seen, counts: counts, boxes: kept.flatMap { [$0.cx, $0.cy, $0.w, $0.h] })
        return Array((try? JSONEncoder().encode(part)) ?? Data())
    }

    /// Every rank's record merged from their `encoded()` bytes: images and instances summed, and a uniform sample of
    /// all the boxes the ranks saw, at most `maximumBoxes` (each rank contributes in proportion to the boxes it saw).
    public static func merged(_ parts: [[UInt8]], classes: Int) throws -> Snapshot {
        let decoded = try parts.enumerated().map { rank, bytes in
            do {
                let part = try JSONDecoder().decode(Part.self, from: Data(bytes))
                guard part.counts.count == classes, part.boxes.count % 4 == 0, part.boxes.count / 4 <= min(part.seen, maximumBoxes) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(part.counts.count) class counts for \(classes) classes, \(part.boxes.count) box values for \(part.seen) boxes"))
                }
                return part
            } catch {
                throw LabelStatisticsError(message: "the label statistics of rank \(rank) are unreadable: \(error)")
            }
        }
        let seenTotal = decoded.reduce(0) { $0 + $1.seen }
        var boxes: [(cx: Double, cy: Double, w: Double, h: Double)] = []
        for part in decoded {
            let share = seenTotal <= maximumBoxes ? part.seen : Int((Double(maximumBoxes) * Double(part.seen) / Double(seenTotal)).rounded(.down))
            for i in 0..<min(share, part.boxes.count / 4) {
                boxes.append((part.boxes[4 * i], part.boxes[4 * i + 1], part.boxes[4 * i + 2], part.boxes[4 * i + 3]))
            }
        }
        let counts = decoded.reduce([Int](repeating: 0, count: classes)) { total, part in zip(total, part.counts).map(+) }
        return (decoded.reduce(0) { $0 + $1.images }, counts, boxes)
    }

    /// Images, instances per class, boxes (centre and size relative to the image).
    public typealias Snapshot = (images: Int, classCounts: [Int], boxes: [(cx: Double, cy: Double, w: Double, h: Double)])

    /// One rank's record on the wire; `boxes` holds cx, cy, w, h per kept box.
    private struct Part: Codable {
        var images, seen: Int
        var counts: [Int]
        var boxes: [Double]
    }

    /// What was recorded: images, instances per class, the kept boxes.
    public var snapshot: Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return (imageCount, counts, kept)
    }
}

/// Another rank's label statistics could not be read.
public struct LabelStatisticsError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
