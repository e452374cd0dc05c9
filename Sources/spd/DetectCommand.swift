import ArgumentParser
import Detection
import Foundation
import Inference
import Tensor

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Detect objects in images and write predictions.json plus annotated copies.",
        discussion: """
        Each image is letterboxed to a square --imgsz input (YOLOv5 detect.py pads only to a stride multiple; the fixed \
        square gives the same boxes up to padding effects), run in eval mode, decoded and filtered by NMS (best class per \
        box, as detect.py). Boxes are mapped back to the original image. OUT/predictions.json is in COCO results format \
        (image_id from the file stem, category_id the class index); OUT/<stem>.jpg shows the boxes with "class score" labels.
        With a run directory as --weights, the model file and class names are the ones the run trained with (its \
        model.yaml and classes.txt); --cfg, --names or --data override them.
        """)

    @Option(help: "Weights: a safetensors state dict, or a run directory (its best, else last, checkpoint; EMA weights when present).")
    var weights: String
    @Option(help: "Model file or name under configs/models (the class count is taken from the weights); default: the run directory's model.yaml.")
    var cfg: String?
    @Option(help: "An image (jpg, png, ppm, pgm) or a directory of images (not recursive).")
    var source: String
    @Option(help: "Square input size, a multiple of the model's stride.") var imgsz = 640
    @Option(help: "Confidence threshold.") var conf: Float = 0.25
    @Option(help: "NMS IoU threshold.") var iou: Float = 0.45
    @Option(name: .customLong("max-det"), help: "At most this many boxes per image.") var maxDet = 300
    @Option(parsing: .upToNextOption, help: "Keep only these classes (indices), as YOLOv5's --classes: --classes 0 2.") var classes: [Int] = []
    @Flag(name: .customLong("agnostic-nms"), help: "Boxes of different classes suppress each other too.") var agnosticNMS = false
    @Option(help: "Class names file, one name per line; default: the run directory's classes.txt.") var names: String?
    @Option(help: "Dataset directory whose dataset.json names the classes.") var data: String?
    @Option(help: "Output directory.") var out = "runs/detect"
    @OptionGroup var threads: ThreadsOption

    func validate() throws {
        if names != nil && data != nil { throw ValidationError("give --names or --data, not both") }
        if let negative = classes.first(where: { $0 < 0 }) { throw ValidationError("--classes takes class indices from 0, got \(negative)") }
    }

    /// --cfg, else the model file the run directory recorded.
    func modelFile() throws -> String {
        if let cfg { return resolveModelFile(cfg) }
        guard let recorded = WeightsLocation.modelFile(ofRun: weights) else {
            throw ValidationError("give --cfg: \(weights) is not a run directory that recorded its model file (runs record model.yaml since SPDTrain 0.7)")
        }
        return recorded
    }

    /// Every --classes index names a class of the model.
    func checkClasses(classCount: Int) throws {
        if let outside = classes.first(where: { $0 >= classCount }) {
            throw ValidationError("--classes \(outside): the model has \(classCount) classes (0 to \(classCount - 1))")
        }
    }

    func run() throws {
        threads.apply()
        try reportingErrors {
            let detector = try Detector(modelFile: try modelFile(), weightsFile: try WeightsLocation.resolve(weights), imageSize: imgsz)
            try checkClasses(classCount: detector.classCount)
            let namesFile = names ?? (data == nil ? WeightsLocation.classNamesFile(ofRun: weights) : nil)
            let classNames = try ClassNames.load(namesFile: namesFile, datasetDirectory: data, classCount: detector.classCount)
            let files = try ImageFiles.list(source)
            var options = NMSOptions()
            options.confidenceThreshold = conf
            options.iouThreshold = iou
            options.maxDetections = maxDet
            options.classes = classes.isEmpty ? nil : Set(classes)
            options.classAgnostic = agnosticNMS
            let predictions = try detector.detectImages(files, outputDirectory: out, classNames: classNames, options: options) { prediction in
                let boxes = prediction.detections.boxes.count
                print(String(format: "%@: %dx%d, %d detection%@, %.1f ms", (prediction.file as NSString).lastPathComponent,
                             prediction.width, prediction.height, boxes, boxes == 1 ? "" : "s", prediction.detections.seconds * 1000))
            }
            print("\(files.count) image\(files.count == 1 ? "" : "s") with weights \(detector.weightsFile): \(predictions) and annotated images in \(out)")
        }
    }
}
