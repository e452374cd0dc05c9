import Foundation
import POSIXFiles
import Shards

/// Converts a COCO instances JSON plus its image directory into a detection dataset.
///
/// - Classes: the categories sorted by id become classes 0..<nc; `extra["coco_category_ids"]` lists the
///   original id of each class ("0,1,2" or "1,2,3,...,90"), so non-contiguous ids map back.
/// - Samples: key = the image id, 12 digits; the image's original bytes (no re-encoding) as `.jpg`/`.png`/...,
///   and `<key>.json` = `DetectionLabel` with `iscrowd` and `area` lists parallel to `boxes`, `image_id`, `file`.
/// - Images: a missing file or one whose header cannot be read is skipped (with its annotations) and counted;
///   the size is the file's own (from its header); a disagreement with the JSON's width/height is counted.
///   Images without annotations are kept (negatives).
/// - Boxes: clipped to the image; boxes left empty are dropped (`BoxClipping`). Annotations of unknown
///   images or categories are dropped and counted.
/// - Area: COCO's `area` is the mask area, which lies inside the box; an area that is missing, not positive, or
///   larger than the (clipped) box's w*h is wrong and is replaced by w*h, counted as "recomputed".
/// - Splits: all images go to `split`, or with `valFraction` to "train"/"val" by `ValidationSplit`.
public enum COCOConverter {
    /// What a conversion found and did.
    public struct Report: Sendable, Equatable {
        public var images = 0
        public var instances = 0
        public var categories = 0
        /// Original category id -> class index.
        public var classIndexByCategoryID: [Int: Int] = [:]
        public var samplesWritten = 0
        public var boxesWritten = 0
        public var missingImages = 0
        public var unreadableImages = 0
        public var sizeMismatches = 0
        public var clippedBoxes = 0
        public var droppedBoxes = 0
        public var recomputedAreas = 0
        public var unknownImageAnnotations = 0
        public var unknownCategoryAnnotations = 0
    }

    /// - Parameters:
    ///   - annotations: the instances JSON.
    ///   - images: the directory `file_name`s are relative to (default: the JSON's directory).
    ///   - split: the split written when `valFraction` is nil.
    ///   - valFraction: share of images sent to "val" (the rest to "train"), chosen by key and `options.seed`.
    public static func convert(
        annotations: String, images: String? = nil, split: String = "train", valFraction: Double? = nil,
        name: String? = nil, out: String, options: ConversionOptions
    ) throws -> Report {
        let validation = try valFraction.map { try ValidationSplit(fraction: $0, seed: options.seed) }
        let coco = try COCOFile(contentsOf: annotations)
        let annotationsDirectory = (annotations as NSString).deletingLastPathComponent
        let imageDirectory = images ?? (annotationsDirectory.isEmpty ? "." : annotationsDirectory)
        // A file_name must stay inside the image directory: relative, without '..'.
        if let outside = coco.images.first(where: { $0.fileName.hasPrefix("/") || $0.fileName.split(separator: "/").contains("..") || $0.fileName.isEmpty }) {
            throw DatasetError.badInput(file: annotations, problem: "image \(outside.id): file_name '\(outside.fileName)' is not a path inside the image directory")
        }
        var report = Report(images: coco.images.count, instances: coco.annotations.count, categories: coco.categories.count)
        options.log("\(annotations): \(coco.images.count) images, \(coco.annotations.count) instances, \(coco.categories.count) categories")

        let categories = coco.categories.sorted { $0.id < $1.id }
        for (index, category) in categories.enumerated() {
            guard report.classIndexByCategoryID.updateValue(index, forKey: category.id) == nil else {
                throw DatasetError.badInput(file: annotations, problem: "category id \(category.id) appears twice")
            }
        }
        let annotationsByImage = Dictionary(grouping: coco.annotations.indices, by: { coco.annotations[$0].imageID })
        let imageIDs = Set(coco.images.map(\.id))
        guard imageIDs.count == coco.images.count else { throw DatasetError.badInput(file: annotations, problem: "image ids are not unique") }
        report.unknownImageAnnotations = annotationsByImage.filter { !imageIDs.contains($0.key) }.reduce(0) { $0 + $1.value.count }

        var clipping = BoxClipping()
        let extra = ["coco_category_ids": categories.map { String($0.id) }.joined(separator: ","), "source": "coco"]
        _ = try DatasetBuilder.build(
            directory: out, name: name ?? Self.datasetName(annotations), task: .detect, classes: categories.map(\.name),
            tool: "spd data make coco", options: options
        ) { builder in
            for image in coco.images {
                let path = imageDirectory + "/" + image.fileName
                guard let bytes = try? readRegularFile(path, limit: TarReader.maximumMemberSize) else {
                    report.missingImages += 1
                    if report.missingImages <= 5 { options.log("missing image: \(path)") }
                    continue
                }
                guard let header = try? ImageHeader(parsing: bytes, name: path) else {
                    report.unreadableImages += 1
                    if report.unreadableImages <= 5 { options.log("unreadable image header: \(path)") }
                    continue
                }
                if header.width != image.width || header.height != image.height { report.sizeMismatches += 1 }
                var label = DetectionLabel(width: header.width, height: header.height, boxes: [], iscrowd: [], area: [], imageID: image.id, file: image.fileName)
                for index in annotationsByImage[image.id] ?? [] {
                    let annotation = coco.annotations[index]
                    guard let classIndex = report.classIndexByCategoryID[annotation.categoryID] else {
                        report.unknownCategoryAnnotations += 1
                        continue
                    }
                    guard let box = clipping.clip(x: annotation.x, y: annotation.y, w: annotation.width, h: annotation.height,
                                                  width: header.width, height: header.height) else { continue }
                    let boxArea = box.w * box.h
                    var area = annotation.area ?? 0
                    if !(area > 0) || area > boxArea * 1.001 + 1 {
                        area = boxArea
                        report.recomputedAreas += 1
                    }
                    label.boxes.append([box.x, box.y, box.w, box.h, Double(classIndex)])
                    label.iscrowd?.append(annotation.isCrowd ? 1 : 0)
                    label.area?.append(area)
                }
                let key = Self.key(imageID: image.id)
                try builder.append(split: validation?.split(of: key) ?? split, key: key, image: (header.format.fileExtension, bytes),
                                   size: .init(width: header.width, height: header.height), label: ("json", label.encoded()))
                report.boxesWritten += label.boxes.count
            }
            report.samplesWritten = builder.samples
            return extra
        }
        report.clippedBoxes = clipping.clipped
        report.droppedBoxes = clipping.dropped
        for line in summary(report) { options.log(line) }
        return report
    }

    /// The report as log lines.
    static func summary(_ report: Report) -> [String] {
        [
            "\(report.samplesWritten) samples, \(report.boxesWritten) boxes written",
            "\(report.missingImages) missing images, \(report.unreadableImages) unreadable images skipped; \(report.sizeMismatches) images whose size differs from the JSON (the file's size is used)",
            "\(report.clippedBoxes) boxes clipped to their image, \(report.droppedBoxes) empty or outside boxes dropped",
            "\(report.recomputedAreas) areas recomputed as box w*h (missing, not positive, or larger than the box)",
            "\(report.unknownImageAnnotations) annotations of unknown images, \(report.unknownCategoryAnnotations) of unknown categories dropped",
        ]
    }

    /// The sample key of a COCO image id: 12 digits, as COCO names its files.
    static func key(imageID: Int) -> String {
        let digits = String(imageID.magnitude)
        return (imageID < 0 ? "n" : "") + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    private static func datasetName(_ annotations: String) -> String {
        ((annotations as NSString).lastPathComponent as NSString).deletingPathExtension
    }
}
