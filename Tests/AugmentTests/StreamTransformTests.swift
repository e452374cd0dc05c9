import Augment
import DetectionLoss
import Foundation
import Imaging
import SampleStream
import Shards
import Tensor
import XCTest

/// The augmentations as `SampleStream` transforms over a real shard set.
final class StreamTransformTests: XCTestCase {
    private func makeDataset(samples: [ShardSample]) throws -> Dataset {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augment-tests-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try ShardWriter(directory: directory, split: "train", maxSamplesPerShard: 4)
        for sample in samples {
            try writer.append(key: sample.key, members: sample.members.sorted { $0.key < $1.key }.map { (extension: $0.key, data: $0.value) })
        }
        try DatasetManifest(name: "tiny-detect", task: .detect, classes: ["a", "b"], imageSize: .variable,
                            splits: ["train": writer.finish()], creator: .init(tool: "test", version: "0"))
            .write(to: directory + "/" + DatasetManifest.fileName)
        return try Dataset(directory: directory)
    }

    private func detectionSamples(count: Int) -> [ShardSample] {
        (0..<count).map { i in
            let image = TestSupport.picture(width: 60 + 10 * i, height: 50, background: RGBColor(red: UInt8(20 * i), green: 90, blue: 160),
                                            rectangles: [(x0: 10, y0: 10, x1: 39, y1: 29, color: .white)])
            return TestSupport.detectionSample(key: String(format: "d%02d", i), image: image, boxes: [[10, 10, 30, 20, Double(i % 2)]])
        }
    }

    private func firstBatch(_ dataset: Dataset, _ augmentation: DetectionAugmentation) throws -> StreamBatch<DetectionExample> {
        let stream = try SampleStream(dataset: dataset, split: "train", seed: 11, window: 4,
                                      layout: StreamLayout(globalBatch: 4, worldSize: 1, rank: 0), start: StreamPosition(epoch: 0, step: 0)) {
            try augmentation.trainingExample(from: &$0, classes: 2)
        }
        defer { stream.stop() }
        return try stream.next()
    }

    func testTrainingStreamIsDeterministicAndCollates() throws {
        let dataset = try makeDataset(samples: detectionSamples(count: 8))
        let augmentation = DetectionAugmentation(imageSize: 64)
        let batch = try firstBatch(dataset, augmentation)
        XCTAssertEqual(batch.examples.map(\.key), batch.keys)
        XCTAssertEqual(try firstBatch(dataset, augmentation).examples, batch.examples, "same seed, same bytes")
        let images = Tensor()
        var targets: [DetectionTarget] = []
        try collate(batch.examples, images: images, targets: &targets)
        XCTAssertEqual(images.shape, TensorShape(n: 4, h: 64, w: 64, c: 3))
        XCTAssertEqual(targets.count, batch.examples.map(\.boxes.count).reduce(0, +))
        XCTAssertGreaterThan(targets.count, 0)
        for target in targets { XCTAssertTrue((0...1).contains(target.x) && (0...1).contains(target.y) && target.w > 0 && target.h > 0) }
    }

    func testStreamErrorsNameTheShardAndTheSample() throws {
        var samples = detectionSamples(count: 1)
        samples.append(ShardSample(key: "broken", members: ["json": Array("{\"width\":5,\"height\":5,\"boxes\":[]}".utf8)]))
        let dataset = try makeDataset(samples: samples)
        let shard = dataset.directory + "/train-000000.tar.zst"
        // Without mosaic only the sample itself is decoded; with mosaic a broken partner is named as such.
        XCTAssertThrowsError(try firstBatch(dataset, DetectionAugmentation(imageSize: 32, mosaic: 0))) { error in
            XCTAssertEqual("\(error)", "\(shard): sample 'broken': no image member (.jpg, .jpeg, .png, .ppm, .pgm)")
        }
        XCTAssertThrowsError(try firstBatch(dataset, DetectionAugmentation(imageSize: 32))) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(shard): sample '"), "\(error)")
            XCTAssertTrue("\(error)".contains("broken"), "\(error)")
        }
    }
}
