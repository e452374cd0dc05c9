import Foundation
import Support

/// The labels of the training images a rank reads in a run's first epoch, for YOLOv5's labels.jpg: instances per
/// class and the boxes' centres and sizes relative to their images (all of them up to `maximumBoxes`, then a uniform
/// sample kept by reservoir sampling). Filled from the prefetch threads, so every access takes the lock.
public final class LabelStatistics: @unchecked Sendable {
    public static let maximumBoxes = 5000
    private let lock = NSLock()
    private var counts: [Int]
    private var kept: [(cx: Double, cy: Double, w: Double, h: Double)] = []
    private var seen = 0, imageCount = 0
    private var random = SeededGenerator(seed: 0x1abe15)

    public init(classes: Int) { counts = [Int](repeating: 0, count: classes) }

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

    /// What was recorded: images, instances per class, the kept boxes.
    public var snapshot: (images: Int, classCounts: [Int], boxes: [(cx: Double, cy: Double, w: Double, h: Double)]) {
        lock.lock()
        defer { lock.unlock() }
        return (imageCount, counts, kept)
    }
}
