import Detection
import Foundation
import Support
import Imaging

/// What detection found in one image file.
public struct ImagePrediction {
    public let file: String
    public let width: Int
    public let height: Int
    public let detections: ImageDetections
    /// Where the annotated copy was written.
    public let annotatedFile: String
}

extension Detector {
    /// Detects boxes in every image of `files` (in order), writes `<outputDirectory>/<stem>.jpg` with the boxes
    /// drawn and, at the end, `<outputDirectory>/predictions.json` in COCO results format (image_id from the file
    /// stem as YOLOv5 does, category_id the class index). `report` is called after each image. Returns the
    /// predictions file's path. Stops at the first image that cannot be read.
    public func detectImages(_ files: [String], outputDirectory: String, classNames: [String], options: NMSOptions = NMSOptions(),
                             report: (ImagePrediction) -> Void = { _ in }) throws -> String {
        do { try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true) } catch {
            throw FileProblem(file: outputDirectory, message: "cannot create the output directory: \(error.localizedDescription)")
        }
        var results: [COCOResult] = []
        for file in files {
            var image = try Image(contentsOfFile: file)
            let detections = try detect(image, options: options)
            let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            results += detections.boxes.map { COCOResult(imageID: COCOImageID(fileStem: stem), categoryID: $0.classIndex, box: $0) }
            let annotated = (outputDirectory as NSString).appendingPathComponent("\(stem).jpg")
            let (width, height) = (image.width, image.height)
            image.drawDetections(detections.boxes, classNames: classNames)
            try image.write(toFile: annotated)
            report(ImagePrediction(file: file, width: width, height: height, detections: detections, annotatedFile: annotated))
        }
        let predictions = (outputDirectory as NSString).appendingPathComponent("predictions.json")
        do { try Data(cocoResultsJSON(results).utf8).write(to: URL(fileURLWithPath: predictions), options: .atomic) } catch {
            throw FileProblem(file: predictions, message: "cannot write: \(error.localizedDescription)")
        }
        return predictions
    }
}
