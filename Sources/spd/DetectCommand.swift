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
        """)

    @Option(help: "Weights: a safetensors state dict, or a run directory (its best, else last, checkpoint; EMA weights when present).")
    var weights: String
    @Option(help: "Model file or name under configs/models (the class count is taken from the weights).")
    var cfg: String
    @Option(help: "An image (jpg, png, ppm, pgm) or a directory of images (not recursive).")
    var source: String
    @Option(help: "Square input size, a multiple of the model's stride.") var imgsz = 640
    @Option(help: "Confidence threshold.") var conf: Float = 0.25
    @Option(help: "NMS IoU threshold.") var iou: Float = 0.45
    @Option(name: .customLong("max-det"), help: "At most this many boxes per image.") var maxDet = 300
    @Option(help: "Class names file, one name per line.") var classes: String?
    @Option(help: "Dataset directory whose dataset.json names the classes.") var data: String?
    @Option(help: "Output directory.") var out = "runs/detect"
    @OptionGroup var threads: ThreadsOption

    func validate() throws {
        if classes != nil && data != nil { throw ValidationError("give --classes or --data, not both") }
    }

    func run() throws {
        threads.apply()
        try reportingErrors {
            let detector = try Detector(modelFile: resolveModelFile(cfg), weightsFile: try WeightsLocation.resolve(weights), imageSize: imgsz)
            let names = try ClassNames.load(namesFile: classes, datasetDirectory: data, classCount: detector.classCount)
            let files = try ImageFiles.list(source)
            var options = NMSOptions()
            options.confidenceThreshold = conf
            options.iouThreshold = iou
            options.maxDetections = maxDet
            let predictions = try detector.detectImages(files, outputDirectory: out, classNames: names, options: options) { prediction in
                let boxes = prediction.detections.boxes.count
                print(String(format: "%@: %dx%d, %d detection%@, %.1f ms", (prediction.file as NSString).lastPathComponent,
                             prediction.width, prediction.height, boxes, boxes == 1 ? "" : "s", prediction.detections.seconds * 1000))
            }
            print("\(files.count) image\(files.count == 1 ? "" : "s") with weights \(detector.weightsFile): \(predictions) and annotated images in \(out)")
        }
    }
}
