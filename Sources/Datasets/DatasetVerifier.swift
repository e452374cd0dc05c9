import Imaging
import Shards

/// One problem `spd data verify` found: the shard file, the sample (if the problem is one sample's), what is wrong.
public struct VerificationProblem: Sendable, Equatable, CustomStringConvertible {
    public var shard: String
    /// The sample key; for an error reading the shard, the last sample read before it (see `afterSample`), nil if none was.
    public var sample: String?
    /// The problem was found while reading past `sample` (a stream error), not in the sample itself.
    public var afterSample: Bool
    public var message: String

    public var description: String {
        guard let sample else { return "\(shard): \(message)" }
        return "\(shard): \(afterSample ? "after sample" : "sample") '\(sample)': \(message)"
    }
}

/// `spd data verify`: reads every shard of every split (sizes and SHA-256 against dataset.json, zstd and tar
/// integrity), decodes every image with Imaging, and checks every label: `.cls` an index into the classes;
/// `.json` a `DetectionLabel` whose size matches the image, with boxes inside the image, of positive size and
/// with a class index in range. A shard that fails to read is reported and the next shard is checked.
public struct DatasetVerifier {
    public private(set) var problems: [VerificationProblem] = []
    public private(set) var shards = 0
    public private(set) var samples = 0

    private let manifest: DatasetManifest
    private let directory: String

    /// Verifies `directory`. Throws only when dataset.json itself cannot be read.
    public init(directory: String, log: (String) -> Void = { _ in }) throws {
        self.directory = directory
        manifest = try DatasetManifest.read(from: directory + "/" + DatasetManifest.fileName)
        for split in manifest.splits.keys.sorted() {
            for shard in manifest.splits[split] ?? [] {
                verify(shard)
                log("\(shard.file): \(samples) samples verified so far, \(problems.count) problems")
            }
        }
    }

    private mutating func verify(_ shard: ShardInfo) {
        shards += 1
        let path = directory + "/" + shard.file
        var lastKey: String?
        do {
            let reader = try ShardReader(path: path, expected: shard)
            while let sample = try reader.next() {
                samples += 1
                lastKey = sample.key
                for message in check(sample) {
                    problems.append(VerificationProblem(shard: path, sample: sample.key, afterSample: false, message: message))
                }
            }
        } catch {
            var message = String(describing: error)
            if message.hasPrefix(path + ": ") { message.removeFirst(path.count + 2) }
            problems.append(VerificationProblem(shard: path, sample: lastKey, afterSample: true, message: message))
        }
    }

    /// The problems of one sample.
    private func check(_ sample: ShardSample) -> [String] {
        let imageExtensions = SampleSchema.imageExtensions.filter { sample[$0] != nil }
        guard imageExtensions.count == 1, let ext = imageExtensions.first, let bytes = sample[ext] else {
            return [imageExtensions.isEmpty ? SampleSchema.missingImage : "several image members: \(imageExtensions)"]
        }
        let image: Image
        do {
            image = try Image(decoding: bytes, name: "\(sample.key).\(ext)")
        } catch {
            return ["image does not decode: \(error)"]
        }
        var problems: [String] = []
        if case let .fixed(width, height) = manifest.imageSize, image.width != width || image.height != height {
            problems.append("image is \(image.width)x\(image.height), dataset.json says \(width)x\(height)")
        }
        switch manifest.task {
        case .classify: problems += checkClass(sample)
        case .detect: problems += checkDetections(sample, image: image)
        }
        return problems
    }

    private func checkClass(_ sample: ShardSample) -> [String] {
        guard let bytes = sample["cls"] else { return ["no .cls label member"] }
        if case let .failure(problem) = SampleSchema.classIndex(bytes, classes: manifest.classes.count) { return [problem.description] }
        return []
    }

    private func checkDetections(_ sample: ShardSample, image: Image) -> [String] {
        guard let bytes = sample["json"] else { return ["no .json label member"] }
        let label: DetectionLabel
        do {
            label = try DetectionLabel(decoding: bytes, name: "\(sample.key).json")
        } catch {
            return ["\(error)"]
        }
        var problems: [String] = []
        if label.width != image.width || label.height != image.height {
            problems.append("label says \(label.width)x\(label.height), the image is \(image.width)x\(image.height)")
        }
        for (row, box) in label.boxes.enumerated() {
            if let problem = SampleSchema.boxProblem(box, index: row, classes: manifest.classes.count, width: image.width, height: image.height) {
                problems.append(problem)
            }
        }
        for (name, count) in [("iscrowd", label.iscrowd?.count), ("area", label.area?.count)] {
            if let count, count != label.boxes.count { problems.append("\(name) has \(count) entries for \(label.boxes.count) boxes") }
        }
        return problems
    }
}
