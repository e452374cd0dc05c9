import Imaging
import SampleStream
import Support

/// One classification example: a decoded sample, and what the augmentation makes of it for the trainer.
public struct ClassificationExample: Sendable, Equatable {
    public let key: String
    public let image: Image
    public let label: Int

    public init(key: String, image: Image, label: Int) {
        self.key = key
        self.image = image
        self.label = label
    }
}

/// The ResNet recipes' augmentation (the SPD-Conv paper's ResNet training, configs/hyps/hyp.resnet.yaml): `preprocess`, then torchvision's RandomCrop(size, padding) with
/// zero padding, RandomHorizontalFlip(flipLeftRight) and, when `rotationDegrees` > 0, RandomRotation (bilinear
/// here, about the image centre, zero fill). Validation applies `preprocess` only.
public struct ClassificationAugmentation: Sendable, Equatable {
    /// What images decode to: the dataset's own channel count (grey for Fashion-MNIST), or `.rgb` to expand grey.
    public var format: PixelFormat
    public var preprocess: ClassificationPreprocess
    /// Zero padding on each side before cropping back to the size (0: no crop).
    public var cropPadding: Int
    public var flipLeftRight: Double
    /// Rotation uniform in [-rotationDegrees, rotationDegrees] (CIFAR-10 recipe: 15).
    public var rotationDegrees: Double

    public init(format: PixelFormat, preprocess: ClassificationPreprocess = .none, cropPadding: Int = 4, flipLeftRight: Double = 0.5,
                rotationDegrees: Double = 0) {
        self.format = format
        self.preprocess = preprocess
        self.cropPadding = cropPadding
        self.flipLeftRight = flipLeftRight
        self.rotationDegrees = rotationDegrees
    }

    /// The `SampleStream` transform for training. Errors name the shard file and the sample.
    public func trainingExample(from context: inout SampleContext, classes: Int) throws -> ClassificationExample {
        do {
            return try augment(context.sample.classificationSample(classes: classes, format: format), random: &context.random)
        } catch let error as SampleDecodingError {
            throw error.streamError(in: context)
        }
    }

    /// The `SampleStream` transform for validation.
    public func validationExample(from context: inout SampleContext, classes: Int) throws -> ClassificationExample {
        do {
            return try validationExample(context.sample.classificationSample(classes: classes, format: format))
        } catch let error as SampleDecodingError {
            throw error.streamError(in: context)
        }
    }

    /// One training example: preprocess, random crop (offsets drawn y then x, each uniform in 0...2 padding), flip, rotation.
    public func augment(_ sample: ClassificationExample, random: inout SeededGenerator) throws -> ClassificationExample {
        var image = try preprocess.apply(to: sample).image
        if cropPadding > 0 {
            let choices = UInt64(2 * cropPadding + 1)
            let top = Int(random.next() % choices), left = Int(random.next() % choices)
            image = image.shifted(width: image.width, height: image.height, offsetX: cropPadding - left, offsetY: cropPadding - top)
        }
        if Double(random.uniform(0, 1)) < flipLeftRight { image = image.flippedLeftRight() }
        if rotationDegrees > 0 {
            let degrees = Double(random.uniform(-Float(rotationDegrees), Float(rotationDegrees)))
            let centreX = Double(image.width - 1) / 2, centreY = Double(image.height - 1) / 2
            let rotation = ProjectiveTransform.translation(x: centreX, y: centreY) * .rotation(degrees: degrees, scale: 1)
                * .translation(x: -centreX, y: -centreY)
            image = image.warped(by: rotation, width: image.width, height: image.height, fill: 0)
        }
        return ClassificationExample(key: sample.key, image: image, label: sample.label)
    }

    /// One validation example: `preprocess` only.
    public func validationExample(_ sample: ClassificationExample) throws -> ClassificationExample {
        try preprocess.apply(to: sample)
    }
}
