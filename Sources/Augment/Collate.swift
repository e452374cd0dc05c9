import DetectionLoss
import Imaging
import Tensor

/// Why examples cannot form one batch.
public struct CollateError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public var description: String { message }
}

/// Writes example images into `images`, reshaped to [N, H, W, C] (NHWC, values / 255, the engine's layout); its
/// storage is reused and only grows. Throws when the batch is empty or the images differ in size or format.
private func collateImages(_ images: [(key: String, image: Image)], into tensor: Tensor) throws {
    guard let first = images.first?.image else { throw CollateError(message: "cannot collate an empty batch") }
    for (key, image) in images where image.width != first.width || image.height != first.height || image.format != first.format {
        throw CollateError(message: "sample '\(key)' is \(image.width)x\(image.height) \(image.format), but the batch's first image is "
                           + "\(first.width)x\(first.height) \(first.format)")
    }
    tensor.reshape(TensorShape(n: images.count, h: first.height, w: first.width, c: first.channels))
    let imageSize = first.pixels.count
    for (index, entry) in images.enumerated() { entry.image.writeNormalized(into: tensor.pointer + index * imageSize) }
}

/// Detection batch: images into `images` [N, s, s, 3] and every box into `targets` (cleared first, capacity kept) as
/// YOLOv5's `targets` rows: batch index, class, centre x, centre y, width, height normalised by the image size.
public func collate(_ examples: [DetectionExample], images: Tensor, targets: inout [DetectionTarget]) throws {
    try collateImages(examples.map { ($0.key, $0.image) }, into: images)
    targets.removeAll(keepingCapacity: true)
    for (index, example) in examples.enumerated() {
        let width = Float(example.image.width), height = Float(example.image.height)
        for box in example.boxes {
            targets.append(DetectionTarget(image: index, classIndex: box.classIndex, x: (box.x1 + box.x2) / 2 / width,
                                           y: (box.y1 + box.y2) / 2 / height, w: box.width / width, h: box.height / height))
        }
    }
}

/// Classification batch: images into `images` [N, H, W, C] and labels into `labels` (cleared first, capacity kept).
public func collate(_ examples: [ClassificationExample], images: Tensor, labels: inout [Int]) throws {
    try collateImages(examples.map { ($0.key, $0.image) }, into: images)
    labels.removeAll(keepingCapacity: true)
    labels.append(contentsOf: examples.lazy.map(\.label))
}
