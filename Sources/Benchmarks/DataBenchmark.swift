import Augment
import DetectionLoss
import Foundation
import Imaging
import SampleStream
import Shards
import Tensor
import Support

/// `spd bench data`: throughput of the whole training data path on one rank (read shard, zstd, tar, image decode,
/// mosaic + perspective + HSV + flip, collation into the NHWC batch and targets), beside what a training step of
/// the model consumes at the same image size. Without a dataset it times two synthetic ones made in a temporary
/// directory: a fashion-detect-like set (128x128 grey PNG canvases with 28x28 items) and a COCO-like set (JPEG
/// photos of about 640x480 with 2-12 boxes of 80 classes).
public struct DataBenchmark {
    /// A detection dataset directory to time instead of the synthetic sets (its "train" split).
    public var dataDirectory: String?
    /// Training image size for `dataDirectory` and the COCO-like set.
    public var imageSize: Int
    public var batch: Int
    /// Samples timed per dataset (after one warm-up batch).
    public var samples: Int
    /// What training consumes, if known (`spd bench train` images/s); otherwise estimated by `trainSteps` steps.
    public var trainImagesPerSecond: Double?
    public var trainSteps: Int
    public var modelFile: String

    public init(dataDirectory: String?, imageSize: Int, batch: Int, samples: Int, trainImagesPerSecond: Double?, trainSteps: Int, modelFile: String) {
        self.dataDirectory = dataDirectory
        self.imageSize = imageSize
        self.batch = batch
        self.samples = samples
        self.trainImagesPerSecond = trainImagesPerSecond
        self.trainSteps = trainSteps
        self.modelFile = modelFile
    }

    public func run(print output: (String) -> Void) throws {
        var cases: [(name: String, dataset: Dataset, imageSize: Int)] = []
        var temporary: String?
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        if let dataDirectory {
            let dataset = try Dataset(directory: dataDirectory)
            cases.append((dataset.manifest.name, dataset, imageSize))
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spd-bench-data-\(UUID().uuidString)").path
            temporary = directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            output("writing synthetic shards to \(directory) ...")
            cases.append(("fashion-detect-like", try SyntheticDetectionSet.fashionLike.write(to: directory + "/fashion", samples: 400), 128))
            cases.append(("coco-like", try SyntheticDetectionSet.cocoLike.write(to: directory + "/coco", samples: 200), imageSize))
        }
        var table = TextTable(["dataset", "imgsz", "samples", "samples/s", "CPU ms/sample", "1-core samples/s",
                               "train img/s", "stream / train", "core share"])
        for entry in cases {
            let stream = try measureStream(entry.dataset, imageSize: entry.imageSize)
            let training = try trainImagesPerSecond ?? estimatedTrainingRate(imageSize: entry.imageSize)
            let singleCore = 1 / stream.cpuSecondsPerSample
            table.add([entry.name, "\(entry.imageSize)", "\(stream.samples)", fixed(stream.samplesPerSecond), fixed(1000 * stream.cpuSecondsPerSample, 2),
                       fixed(singleCore), training.map { fixed($0, 2) } ?? "-", training.map { fixed(singleCore / $0) + "x" } ?? "-",
                       training.map { fixed(100 * $0 * stream.cpuSecondsPerSample) + "%" } ?? "-"])
        }
        output(table.rendered)
        output("samples/s: wall rate of the stream (one producer thread) with collation on the consuming thread; CPU ms/sample: "
               + "process CPU time of both per sample; stream / train: 1-core rate over what training consumes on one core; "
               + "core share: the CPU the data path needs to keep up with training.")
    }

    /// Wall rate and CPU seconds per sample of the training stream with the default YOLOv5 augmentation.
    private func measureStream(_ dataset: Dataset, imageSize: Int) throws -> (samples: Int, samplesPerSecond: Double, cpuSecondsPerSample: Double) {
        let augmentation = DetectionAugmentation(imageSize: imageSize)
        let classes = dataset.manifest.classes.count
        let stream = try SampleStream(dataset: dataset, split: "train", seed: 0, window: 64, layout: StreamLayout(globalBatch: batch, worldSize: 1, rank: 0),
                                      start: StreamPosition(epoch: 0, step: 0)) { try augmentation.trainingExample(from: &$0, classes: classes) }
        defer { stream.stop() }
        let images = Tensor()
        var targets: [DetectionTarget] = []
        try collate(stream.next().examples, images: images, targets: &targets)
        let wallStart = monotonicSeconds(), cpuStart = processCPUSeconds()
        var count = 0
        while count < samples {
            let examples = try stream.next().examples
            try collate(examples, images: images, targets: &targets)
            count += examples.count
        }
        let wall = monotonicSeconds() - wallStart, cpu = processCPUSeconds() - cpuStart
        return (count, Double(count) / wall, cpu / Double(count))
    }

    /// Images per second of `trainSteps` training steps of the model at `imageSize`, or nil when `trainSteps` is 0.
    private func estimatedTrainingRate(imageSize: Int) throws -> Double? {
        guard trainSteps > 0 else { return nil }
        let times = try TrainBenchmark(modelFile: modelFile, imageSize: imageSize, batch: batch, steps: trainSteps).measure().stepSeconds
        return Double(batch) / times[times.count / 2]
    }
}

/// CPU time of the whole process (all threads), in seconds.
private func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Synthetic detection shards with seeded content.
private enum SyntheticDetectionSet {
    /// Grey 128x128 PNG canvases with 1-4 textured 28x28 items of 10 classes.
    case fashionLike
    /// RGB JPEG (quality 90) "photos" of 640x480 (some 480x640) with 2-12 boxes of 80 classes: smooth gradients,
    /// grain and textured rectangles, so they compress and decode like photographs.
    case cocoLike

    func write(to directory: String, samples: Int) throws -> Dataset {
        let classes = self == .fashionLike ? 10 : 80
        let writer = try ShardWriter(directory: directory, split: "train", maxSamplesPerShard: 100)
        var random = SeededGenerator(seed: self == .fashionLike ? 1 : 2)
        for index in 0..<samples {
            let (image, boxes) = picture(classes: classes, random: &random)
            let rows = boxes.map { "[\($0.x),\($0.y),\($0.w),\($0.h),\($0.classIndex)]" }.joined(separator: ",")
            let label = Array("{\"width\":\(image.width),\"height\":\(image.height),\"boxes\":[\(rows)]}".utf8)
            let member = self == .fashionLike ? (extension: "png", data: try image.pngData()) : (extension: "jpg", data: try image.jpegData(quality: 90))
            try writer.append(key: String(format: "%06d", index), members: [member, (extension: "json", data: label)])
        }
        try DatasetManifest(name: self == .fashionLike ? "fashion-detect-like" : "coco-like", task: .detect, classes: (0..<classes).map { "class\($0)" },
                            imageSize: .variable, splits: ["train": writer.finish()], creator: .init(tool: "spd bench data", version: "0"))
            .write(to: directory + "/" + DatasetManifest.fileName)
        return try Dataset(directory: directory)
    }

    private func picture(classes: Int, random: inout SeededGenerator) -> (Image, [(x: Int, y: Int, w: Int, h: Int, classIndex: Int)]) {
        let portrait = self == .cocoLike && random.next() % 4 == 0
        let (width, height) = self == .fashionLike ? (128, 128) : (portrait ? (480, 640) : (640, 480))
        let itemCount = self == .fashionLike ? 1 + Int(random.next() % 4) : 2 + Int(random.next() % 11)
        var boxes: [(x: Int, y: Int, w: Int, h: Int, classIndex: Int)] = []
        for _ in 0..<itemCount {
            let w = self == .fashionLike ? 28 : 16 + Int(random.next() % UInt64(width / 2))
            let h = self == .fashionLike ? 28 : 16 + Int(random.next() % UInt64(height / 2))
            boxes.append((Int(random.next() % UInt64(width - w)), Int(random.next() % UInt64(height - h)), w, h, Int(random.next() % UInt64(classes))))
        }
        let channels = self == .fashionLike ? 1 : 3
        let base = (0..<3).map { _ in Int(random.next() % 160) }
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        var grain = random.next()
        for y in 0..<height {
            for x in 0..<width {
                grain = grain &* 6364136223846793005 &+ 1442695040888963407
                let noise = Int(grain >> 60)
                var inside: Int?
                for (index, box) in boxes.enumerated() where x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h { inside = index }
                for k in 0..<channels {
                    let value = inside.map { 60 + ($0 * 37 + k * 50 + (x ^ y) % 24) % 190 } ?? base[k] + (x * (k + 1) + y * (3 - k)) * 64 / (width + height)
                    pixels[(y * width + x) * channels + k] = UInt8(min(value + noise, 255))
                }
            }
        }
        return (Image(width: width, height: height, format: channels == 1 ? .grey : .rgb, pixels: pixels), boxes)
    }
}
