import Imaging
import Support

/// YOLOv5 v6.0's `random_perspective` ranges (hyp `degrees`, `translate`, `scale`, `shear`, `perspective`; the
/// defaults are hyp.scratch's). Each call draws one `PerspectiveParameters` from the generator.
public struct RandomPerspective: Sendable, Equatable {
    /// Rotation uniform in [-degrees, degrees].
    public var degrees: Double
    /// Centre translation uniform in [0.5 - translate, 0.5 + translate] of the output size.
    public var translate: Double
    /// Scale uniform in [1 - scale, 1 + scale].
    public var scale: Double
    /// Shear angles uniform in [-shear, shear] degrees.
    public var shear: Double
    /// Perspective terms uniform in [-perspective, perspective].
    public var perspective: Double

    public init(degrees: Double = 0, translate: Double = 0.1, scale: Double = 0.5, shear: Double = 0, perspective: Double = 0) {
        self.degrees = degrees
        self.translate = translate
        self.scale = scale
        self.shear = shear
        self.perspective = perspective
    }

    /// One draw, in YOLOv5's order: perspective x, y; angle, scale; shear x, y; translation x, y.
    public func draw(_ random: inout SeededGenerator) -> PerspectiveParameters {
        func uniform(_ low: Double, _ high: Double) -> Double { low == high ? low : Double(random.uniform(Float(low), Float(high))) }
        let perspectiveX = uniform(-perspective, perspective), perspectiveY = uniform(-perspective, perspective)
        let angle = uniform(-degrees, degrees), scaleFactor = uniform(1 - scale, 1 + scale)
        let shearX = uniform(-shear, shear), shearY = uniform(-shear, shear)
        let translationX = uniform(0.5 - translate, 0.5 + translate), translationY = uniform(0.5 - translate, 0.5 + translate)
        return PerspectiveParameters(degrees: angle, scale: scaleFactor, shearX: shearX, shearY: shearY,
                                     perspectiveX: perspectiveX, perspectiveY: perspectiveY,
                                     translationX: translationX, translationY: translationY)
    }
}

/// One drawn `random_perspective`: the image centre goes to the origin, then perspective, rotation and scale,
/// shear, and a translation to (translationX * output width, translationY * output height).
public struct PerspectiveParameters: Sendable, Equatable {
    public var degrees: Double
    public var scale: Double
    public var shearX: Double
    public var shearY: Double
    public var perspectiveX: Double
    public var perspectiveY: Double
    /// Where the input's centre lands, as a fraction of the output size (0.5: the output's centre).
    public var translationX: Double
    public var translationY: Double

    public init(degrees: Double = 0, scale: Double = 1, shearX: Double = 0, shearY: Double = 0, perspectiveX: Double = 0,
                perspectiveY: Double = 0, translationX: Double = 0.5, translationY: Double = 0.5) {
        self.degrees = degrees
        self.scale = scale
        self.shearX = shearX
        self.shearY = shearY
        self.perspectiveX = perspectiveX
        self.perspectiveY = perspectiveY
        self.translationX = translationX
        self.translationY = translationY
    }

    /// `M = T @ S @ R @ P @ C` for an input of `inputWidth` x `inputHeight` and an output of `outputWidth` x `outputHeight`.
    public func transform(inputWidth: Int, inputHeight: Int, outputWidth: Int, outputHeight: Int) -> ProjectiveTransform {
        let centre = ProjectiveTransform.translation(x: -Double(inputWidth) / 2, y: -Double(inputHeight) / 2)
        let translation = ProjectiveTransform.translation(x: translationX * Double(outputWidth), y: translationY * Double(outputHeight))
        return translation * .shear(xDegrees: shearX, yDegrees: shearY) * .rotation(degrees: degrees, scale: scale)
            * .perspective(x: perspectiveX, y: perspectiveY) * centre
    }

    /// `random_perspective` with these parameters: `image` warped to `outputWidth` x `outputHeight` (fill 114; not
    /// resampled when the transform is the identity), and its boxes moved (`ProjectiveTransform.moveBoxes`).
    public func apply(to image: Image, boxes: [LabeledBox], outputWidth: Int, outputHeight: Int) -> (image: Image, boxes: [LabeledBox]) {
        let transform = transform(inputWidth: image.width, inputHeight: image.height, outputWidth: outputWidth, outputHeight: outputHeight)
        let unchanged = transform == .identity && outputWidth == image.width && outputHeight == image.height
        let warped = unchanged ? image : image.warped(by: transform, width: outputWidth, height: outputHeight, fill: 114)
        return (warped, transform.moveBoxes(boxes, scale: scale, width: outputWidth, height: outputHeight))
    }
}

extension ProjectiveTransform {
    /// `random_perspective`'s box step: each box becomes the bounding box of its four transformed corners, clipped
    /// to 0...width and 0...height, and is kept only if `isCandidate` (compared with the original box times `scale`).
    public func moveBoxes(_ boxes: [LabeledBox], scale: Double, width: Int, height: Int) -> [LabeledBox] {
        boxes.compactMap { box in
            let corners = [(box.x1, box.y1), (box.x2, box.y2), (box.x1, box.y2), (box.x2, box.y1)].map { apply(x: Double($0.0), y: Double($0.1)) }
            let moved = LabeledBox(classIndex: box.classIndex,
                                   x1: Float(corners.map(\.x).min()!), y1: Float(corners.map(\.y).min()!),
                                   x2: Float(corners.map(\.x).max()!), y2: Float(corners.map(\.y).max()!))
                .clipped(width: Float(width), height: Float(height))
            return Self.isCandidate(before: box, after: moved, scale: Float(scale)) ? moved : nil
        }
    }

    /// YOLOv5's `box_candidates(wh_thr=2, ar_thr=20, area_thr=0.1)`: the moved box is over 2 pixels wide and
    /// high, keeps over 10% of the original area times scale^2, and has an aspect ratio under 20.
    static func isCandidate(before: LabeledBox, after: LabeledBox, scale: Float) -> Bool {
        let eps: Float = 1e-16
        let w1 = before.width * scale, h1 = before.height * scale, w2 = after.width, h2 = after.height
        let aspect = max(w2 / (h2 + eps), h2 / (w2 + eps))
        return w2 > 2 && h2 > 2 && w2 * h2 / (w1 * h1 + eps) > 0.1 && aspect < 20
    }
}
