import Imaging

/// A fixed size change applied to every classification image before augmentation (and alone for validation).
public enum ClassificationPreprocess: Sendable, Equatable {
    /// The image as decoded.
    case none
    /// Zero padding around the image, centred (the extra pixel of an odd difference goes right/bottom), up to
    /// `width` x `height`; e.g. Fashion-MNIST 28x28 -> 32x32 for a model that halves the size five times.
    case pad(width: Int, height: Int)
    /// `cv2.INTER_AREA` at an integer factor (`Image.areaDownsampled`), e.g. 64x64 -> 16x16 with factor 4.
    case areaDownsample(factor: Int)

    /// `sample`'s image with this change; throws naming the sample when the image does not fit it.
    public func apply(to sample: ClassificationExample) throws -> ClassificationExample {
        let image = sample.image
        switch self {
        case .none:
            return sample
        case let .pad(width, height):
            guard image.width <= width, image.height <= height else {
                throw SampleDecodingError(key: sample.key, problem: "the \(image.width)x\(image.height) image is larger than the "
                                          + "\(width)x\(height) it should be padded to")
            }
            let padded = image.shifted(width: width, height: height, offsetX: (width - image.width) / 2, offsetY: (height - image.height) / 2)
            return ClassificationExample(key: sample.key, image: padded, label: sample.label)
        case let .areaDownsample(factor):
            guard factor >= 1, image.width >= factor, image.height >= factor else {
                throw SampleDecodingError(key: sample.key, problem: "the \(image.width)x\(image.height) image cannot be area-downsampled by \(factor)")
            }
            return ClassificationExample(key: sample.key, image: image.areaDownsampled(by: factor), label: sample.label)
        }
    }
}
