import Detection
import Foundation
import Imaging
import POSIXFiles
import Support

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
    /// Detects boxes in every image of `files` (in order), writes an annotated copy of each (`annotatedNames`) into
    /// `outputDirectory` and, at the end, `<outputDirectory>/predictions.json` in COCO results format (image_id from
    /// the file stem as YOLOv5 does, category_id the class index). `report` is called after each image. Returns the
    /// predictions file's path. Stops at the first image that cannot be read. No output replaces an input: a run
    /// that would is refused before anything is written.
    public func detectImages(_ files: [String], outputDirectory: String, classNames: [String], options: NMSOptions = NMSOptions(),
                             report: (ImagePrediction) -> Void = { _ in }) throws -> String {
        do { try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true) } catch {
            throw FileProblem(file: outputDirectory, message: "cannot create the output directory: \(error.localizedDescription)")
        }
        let names = Self.annotatedNames(files)
        let outputs = (names + ["predictions.json"]).map { (outputDirectory as NSString).appendingPathComponent($0) }
        let inputs = Set(files.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path })
        if let clash = outputs.first(where: { inputs.contains(URL(fileURLWithPath: $0).resolvingSymlinksInPath().path) }) {
            throw FileProblem(file: clash, message: "is an input image; writing detections there would replace it (choose another --out)")
        }
        var results: [COCOResult] = []
        for (file, name) in zip(files, names) {
            var image = try Image(contentsOfFile: file)
            let detections = try detect(image, options: options)
            let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            results += detections.boxes.map { COCOResult(imageID: COCOImageID(fileStem: stem), categoryID: $0.classIndex, box: $0) }
            let annotated = (outputDirectory as NSString).appendingPathComponent(name)
            let (width, height) = (image.width, image.height)
            image.drawDetections(detections.boxes, classNames: classNames)
            try image.write(toFile: annotated)
            report(ImagePrediction(file: file, width: width, height: height, detections: detections, annotatedFile: annotated))
        }
        let predictions = (outputDirectory as NSString).appendingPathComponent("predictions.json")
        do { try writeAtomically(Array(cocoResultsJSON(results).utf8), to: predictions) } catch let error as FileAccessError {
            throw FileProblem(file: predictions, message: "cannot write: \(error.reason)")
        }
        return predictions
    }

    /// The annotated copies' names, one per input and all distinct: `<stem>.jpg` where stems are unique (YOLOv5's
    /// naming), else `<name>.jpg` (a.jpg and a.png become a.jpg.jpg and a.png.jpg), else the parent directory's
    /// name joined in, else the input's position.
    static func annotatedNames(_ files: [String]) -> [String] {
        let urls = files.map { URL(fileURLWithPath: $0) }
        let schemes: [(URL, Int) -> String] = [
            { url, _ in url.deletingPathExtension().lastPathComponent + ".jpg" },
            { url, _ in url.lastPathComponent + ".jpg" },
            { url, _ in url.deletingLastPathComponent().lastPathComponent + "_" + url.lastPathComponent + ".jpg" },
            { url, index in String(format: "%06d_", index) + url.lastPathComponent + ".jpg" },
        ]
        for scheme in schemes.dropLast() {
            let names = urls.enumerated().map { scheme($1, $0) }
            if Set(names).count == names.count { return names }
        }
        return urls.enumerated().map { schemes.last!($1, $0) }
    }
}
