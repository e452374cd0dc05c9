import Imaging
import SampleStream
import Support

/// YOLOv5 v6.0's training-time detection pipeline (`LoadImagesAndLabels.__getitem__` with augment on, rect off, no
/// albumentations), driven only by the caller's generator:
/// - with probability `mosaic`: `load_mosaic` (the sample and three partners on a 2s x 2s canvas, centre uniform in
///   [s/2, 3s/2]) then `random_perspective` with border -s/2, so the output is s x s; after a mosaic, with probability
///   `mixup`, `mixup`: a second mosaic of four other samples of the window, blended with ratio r ~ Beta(32, 32)
///   (pixels `uint8(a r + b (1 - r))`), the boxes of both kept;
/// - otherwise `load_image` + `letterbox` to s x s (one bilinear resize, sides rounded) then `random_perspective`;
/// - then `augment_hsv`, flip up-down with probability `flipUpDown`, flip left-right with probability `flipLeftRight`.
/// The defaults are YOLOv5 v6.0 hyp.scratch's (configs/hyps/hyp.scratch.yaml), the SPD-Conv recipe.
public struct DetectionAugmentation: Sendable, Equatable {
    /// The square output size s.
    public var imageSize: Int
    /// Probability of a mosaic (hyp `mosaic`).
    public var mosaic: Double
    /// Probability of blending a mosaic with a second one (hyp `mixup`).
    public var mixup: Double
    public var perspective: RandomPerspective
    public var hsv: HSVJitter
    /// Probabilities of the flips (hyp `flipud`, `fliplr`).
    public var flipUpDown: Double
    public var flipLeftRight: Double

    public init(imageSize: Int, mosaic: Double = 1, mixup: Double = 0, perspective: RandomPerspective = RandomPerspective(),
                hsv: HSVJitter = HSVJitter(), flipUpDown: Double = 0, flipLeftRight: Double = 0.5) {
        precondition(imageSize > 0, "image size \(imageSize) is not positive")
        self.imageSize = imageSize
        self.mosaic = mosaic
        self.mixup = mixup
        self.perspective = perspective
        self.hsv = hsv
        self.flipUpDown = flipUpDown
        self.flipLeftRight = flipLeftRight
    }

    /// The `SampleStream` transform for training: decodes the sample (and, for a mosaic, three partners drawn from
    /// its window; for a mixup, four more) and augments it, recording the sample's labels in `statistics` when given.
    /// Decoding errors name the shard file and the sample (and the partner). With `mixup` 0 no random number is drawn for it, so such runs keep their exact sample stream.
    public func trainingExample(from context: inout SampleContext, classes: Int, recording statistics: LabelStatistics? = nil) throws -> DetectionExample {
        do {
            let sample = try context.sample.detectionSample(classes: classes)
            if let statistics, statistics.records(epoch: context.epoch, position: context.position) { statistics.add(sample) }
            var partners: [DetectionSample] = [], mixupMosaic: [DetectionSample] = []
            if Double(context.random.uniform(0, 1)) < mosaic {
                for _ in 0..<3 { partners.append(try context.randomPartner().detectionSample(classes: classes)) }
                if mixup > 0, Double(context.random.uniform(0, 1)) < mixup {
                    for _ in 0..<4 { mixupMosaic.append(try context.randomPartner().detectionSample(classes: classes)) }
                }
            }
            return augment(sample, mosaicPartners: partners, mixupMosaic: mixupMosaic, random: &context.random)
        } catch let error as SampleDecodingError {
            throw error.streamError(in: context)
        }
    }

    /// The `SampleStream` transform for validation: `validationExample(_:)` of the decoded sample.
    public func validationExample(from context: inout SampleContext, classes: Int) throws -> DetectionExample {
        do {
            return validationExample(try context.sample.detectionSample(classes: classes))
        } catch let error as SampleDecodingError {
            throw error.streamError(in: context)
        }
    }

    /// One training example: a mosaic of `sample` and `mosaicPartners` (exactly three), or `sample` alone when
    /// there are none, warped by the perspective; blended with the warped mosaic of `mixupMosaic` (four samples,
    /// or none); then the colour and flip augmentations.
    public func augment(_ sample: DetectionSample, mosaicPartners: [DetectionSample], mixupMosaic: [DetectionSample] = [],
                        random: inout SeededGenerator) -> DetectionExample {
        precondition(mixupMosaic.isEmpty || (mixupMosaic.count == 4 && !mosaicPartners.isEmpty), "a mixup blends two mosaics")
        let s = imageSize
        var (image, boxes) = warped(sample, mosaicPartners: mosaicPartners, random: &random)
        if !mixupMosaic.isEmpty {
            let other = warped(mixupMosaic[0], mosaicPartners: Array(mixupMosaic[1...]), random: &random)
            image = Self.blend(image, other.image, ratio: random.beta(32, 32))
            boxes += other.boxes
        }
        var pixels = image.pixels
        pixels.withUnsafeMutableBufferPointer { buffer in
            hsv.apply(to: buffer, random: &random)
            if Double(random.uniform(0, 1)) < flipUpDown {
                Image.flipUpDown(buffer, width: s, height: s, channels: 3)
                boxes = boxes.map { $0.flippedUpDown(height: Float(s)) }
            }
            if Double(random.uniform(0, 1)) < flipLeftRight {
                Image.flipLeftRight(buffer, width: s, height: s, channels: 3)
                boxes = boxes.map { $0.flippedLeftRight(width: Float(s)) }
            }
        }
        image = Image(width: s, height: s, format: .rgb, pixels: pixels)
        return DetectionExample(key: sample.key, image: image, boxes: boxes)
    }

    /// `sample` (with three partners: their mosaic) on the s x s output after the random perspective.
    func warped(_ sample: DetectionSample, mosaicPartners: [DetectionSample], random: inout SeededGenerator) -> (image: Image, boxes: [LabeledBox]) {
        precondition(mosaicPartners.isEmpty || mosaicPartners.count == 3, "a mosaic takes 3 partners, got \(mosaicPartners.count)")
        let s = imageSize
        let placed: (image: Image, boxes: [LabeledBox])
        if mosaicPartners.isEmpty {
            let letterboxed = letterbox(sample)
            placed = (letterboxed.image, letterboxed.boxes)
        } else {
            let centreY = Int(random.uniform(Float(s) / 2, 3 * Float(s) / 2))
            let centreX = Int(random.uniform(Float(s) / 2, 3 * Float(s) / 2))
            var tiles = [sample] + mosaicPartners
            for i in stride(from: tiles.count - 1, to: 0, by: -1) { tiles.swapAt(i, Int(random.next() % UInt64(i + 1))) }
            placed = mosaicCanvas(of: tiles, size: s, centreX: centreX, centreY: centreY)
        }
        return perspective.draw(&random).apply(to: placed.image, boxes: placed.boxes, outputWidth: s, outputHeight: s)
    }

    /// YOLOv5's mixup blend of two equally sized images: `uint8(a * ratio + b * (1 - ratio))`, truncated as NumPy's
    /// astype does.
    static func blend(_ a: Image, _ b: Image, ratio: Double) -> Image {
        precondition(a.width == b.width && a.height == b.height && a.pixels.count == b.pixels.count, "mixup blends images of one size")
        var pixels = a.pixels
        for i in pixels.indices { pixels[i] = UInt8(Double(a.pixels[i]) * ratio + Double(b.pixels[i]) * (1 - ratio)) }
        return Image(width: a.width, height: a.height, format: a.format, pixels: pixels)
    }

    /// One validation example: `sample` letterboxed to s x s with no augmentation, and the geometry to map
    /// predictions back. YOLOv5's val loader resizes the long side to s (`load_image`, INTER_AREA when shrinking)
    /// and then letterboxes with `scaleup=False`, which only pads; this does both in one bilinear resize with the
    /// same ratio s / max(w, h), rounding the resized sides (`Letterbox`) where `load_image` truncates them.
    public func validationExample(_ sample: DetectionSample) -> DetectionExample {
        let letterboxed = letterbox(sample)
        let source = SourceGeometry(width: sample.image.width, height: sample.image.height, letterbox: letterboxed.letterbox)
        return DetectionExample(key: sample.key, image: letterboxed.image, boxes: letterboxed.boxes, source: source)
    }

    /// `sample` resized to fit s x s keeping its aspect ratio and padded with 114, centred; boxes as YOLOv5 maps
    /// them (`xywhn2xyxy(..., padw=dw, padh=dh)`, with the fractional half padding).
    private func letterbox(_ sample: DetectionSample) -> (image: Image, boxes: [LabeledBox], letterbox: Letterbox) {
        let (image, letterbox) = sample.image.letterboxed(width: imageSize, height: imageSize, auto: false, scaleUp: true)
        let ratio = Float(letterbox.ratio)
        let boxes = sample.boxes.map { $0.scaled(ratio, ratio, offsetX: Float(letterbox.padX), offsetY: Float(letterbox.padY)) }
        return (image, boxes, letterbox)
    }
}
