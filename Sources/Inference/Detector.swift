import Detection
import Foundation
import Support
import Imaging
import Models
import Tensor
import TensorFiles

/// One image's detections, in the original image's pixels.
public struct ImageDetections {
    /// Boxes after NMS, highest score first, mapped back from the letterbox and clipped to the image.
    public let boxes: [DetectionBox]
    /// How the image was fitted into the model input.
    public let letterbox: Letterbox
    /// Time for letterbox, forward, decode, NMS and mapping back.
    public let seconds: Double
}

/// A detection model with loaded weights that finds boxes in images as YOLOv5 v6.0's detect.py does: letterbox
/// to a square `imageSize` input (detect.py pads only to a stride multiple, `auto=True`; a fixed square input,
/// `auto=False`, gives the same boxes up to padding effects and keeps one input shape), forward in eval mode,
/// decode, NMS (best class per box, classes kept apart by an offset, at most `maxDetections`), boxes mapped back.
public final class Detector {
    public let model: DetectionModel
    public let imageSize: Int
    /// The weights file the model was loaded from.
    public let weightsFile: String
    private let input = Tensor()
    private var decoded: [Float] = []

    /// Builds the model of `modelFile` and loads `weightsFile` into it. The class count comes from the weights
    /// (a model trained on another dataset than the file's `nc`); `imageSize` must be a multiple of the model's stride.
    public init(modelFile: String, weightsFile: String, imageSize: Int = 640) throws {
        guard case let .detection(definition) = try AnyModelDefinition(contentsOf: modelFile) else {
            throw FileProblem(file: modelFile, message: "is a classification model; detection needs a YOLOv5-format detection model")
        }
        guard FileManager.default.fileExists(atPath: weightsFile) else {
            throw FileProblem(file: weightsFile, message: "no such weights file")
        }
        var model = try DetectionModel(definition: definition)
        let classes = Self.classCount(in: weightsFile, for: model)
        if classes != model.detect.classes { model = try DetectionModel(definition: definition, classes: classes) }
        try model.checkFits(imageSize: imageSize, batch: 1, training: false)
        try model.state.load(from: weightsFile)
        self.model = model
        self.imageSize = imageSize
        self.weightsFile = weightsFile
    }

    /// The number of classes.
    public var classCount: Int { model.detect.classes }

    /// The boxes in `image` that NMS keeps with `options`.
    public func detect(_ image: Image, options: NMSOptions = NMSOptions()) throws -> ImageDetections {
        let start = DispatchTime.now().uptimeNanoseconds
        let (letterboxed, letterbox) = image.converted(to: .rgb).letterboxed(width: imageSize, height: imageSize, stride: model.maximumStride)
        input.reshape(TensorShape(n: 1, h: imageSize, w: imageSize, c: 3))
        letterboxed.writeNormalized(into: input.pointer)
        _ = try model.forward(input, training: false)
        let count = model.detect.predictionsPerImage * (classCount + 5)
        if decoded.count != count { decoded = [Float](repeating: 0, count: count) }
        decoded.withUnsafeMutableBufferPointer { model.detect.decode(into: $0.baseAddress!) }
        let kept = nonMaxSuppression(decoded, batchSize: 1, classCount: classCount, options: options)[0]
        let boxes = scaleBoxes(kept, gain: letterbox.ratio, padX: letterbox.padX, padY: letterbox.padY,
                               imageWidth: image.width, imageHeight: image.height)
        return ImageDetections(boxes: boxes, letterbox: letterbox, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// The class count of the Detect head in `weightsFile` (from its first output conv's bias, na * (nc + 5)
    /// values), or the model's own when the file does not say (loading then reports what does not fit).
    static func classCount(in weightsFile: String, for model: DetectionModel) -> Int {
        guard let anchors = model.state.entries.first(where: { $0.name.hasSuffix(".anchors") }) else { return model.detect.classes }
        let bias = String(anchors.name.dropLast(".anchors".count)) + ".m.0.bias"
        let anchorsPerLevel = model.detect.anchorsPerLevel
        guard let shape = try? SafeTensorsFile(contentsOf: weightsFile).info(bias).shape, shape.count == 1,
              shape[0] % anchorsPerLevel == 0, shape[0] / anchorsPerLevel > 5 else { return model.detect.classes }
        return shape[0] / anchorsPerLevel - 5
    }
}
