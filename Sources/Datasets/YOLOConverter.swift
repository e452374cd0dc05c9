import Support
import Foundation

/// Converts an ultralytics YOLO dataset into a detection dataset, images stored as their original bytes.
///
/// Input: a YOLOv5 data yaml, or a directory with `images/<split>/` (or `images/` alone, written as "train") plus
/// `names` given. In the yaml, as YOLOv5 v6.0 reads it: `train`, `val` and `test` are each an image directory (searched
/// recursively), a `.txt` list of image paths (a line starting with `./` is relative to the list's directory), or a
/// list of those; they are relative to `path` when it is given, and `path` (or, without it, each entry) is relative to
/// the current directory, or to the yaml's directory when it does not exist there. `names` is a list or an index ->
/// name map (`nc` must agree when given). Each image's labels are `labels/.../<stem>.txt` (the last `images` path
/// component replaced by `labels`), one object per line: `class cx cy w h` normalised to [0, 1] (a polygon `class x1 y1
/// x2 y2 ...` becomes its bounding box). An image without a label file is a negative. Boxes become pixel COCO xywh
/// using the image size from its header, clipped to the image (`BoxClipping`); lines with a class outside `names` are
/// dropped and counted.
public enum YOLOConverter {
    public struct Report: Sendable, Equatable {
        public var samplesWritten = 0
        public var boxesWritten = 0
        public var imagesWithoutLabels = 0
        public var clippedBoxes = 0
        public var droppedBoxes = 0
        public var unknownClassBoxes = 0
    }

    public static func convert(from path: String, names: [String]? = nil, name: String? = nil, out: String, options: ConversionOptions) throws -> Report {
        let source = try InputFiles.isDirectory(path) ? directorySource(path, names: names) : yamlSource(path, names: names)
        var report = Report()
        var clipping = BoxClipping()
        _ = try DatasetBuilder.build(directory: out, name: name ?? "yolo", task: .detect, classes: source.classes, tool: "spd data make yolo", options: options) { builder in
            for split in source.splits {
                for (index, image) in split.images.enumerated() {
                    let imagePath = image.path
                    let bytes = try InputFiles.read(imagePath)
                    let header = try ImageHeader(parsing: bytes, name: imagePath)
                    var label = DetectionLabel(width: header.width, height: header.height, boxes: [], file: image.name)
                    let labelPath = labelFile(for: imagePath)
                    if InputFiles.exists(labelPath) {
                        for (row, box) in try readLabels(labelPath).enumerated() {
                            guard box.class < source.classes.count else {
                                report.unknownClassBoxes += 1
                                if report.unknownClassBoxes <= 5 { options.log("\(labelPath): line \(row + 1): class \(box.class) is not below \(source.classes.count)") }
                                continue
                            }
                            let width = Double(header.width), height = Double(header.height)
                            guard let pixels = clipping.clip(x: (box.cx - box.w / 2) * width, y: (box.cy - box.h / 2) * height, w: box.w * width, h: box.h * height,
                                                             width: header.width, height: header.height) else { continue }
                            label.boxes.append([pixels.x, pixels.y, pixels.w, pixels.h, Double(box.class)])
                        }
                    } else {
                        report.imagesWithoutLabels += 1
                    }
                    try builder.append(split: split.name, key: InputFiles.key(index), image: (header.format.fileExtension, bytes),
                                       size: .init(width: header.width, height: header.height), label: ("json", label.encoded()))
                    report.boxesWritten += label.boxes.count
                }
            }
            report.samplesWritten = builder.samples
            return ["source": "yolo"]
        }
        report.clippedBoxes = clipping.clipped
        report.droppedBoxes = clipping.dropped
        options.log("\(report.samplesWritten) samples, \(report.boxesWritten) boxes; \(report.imagesWithoutLabels) images without a label file; "
            + "\(report.clippedBoxes) boxes clipped, \(report.droppedBoxes) empty boxes dropped, \(report.unknownClassBoxes) boxes of unknown classes dropped")
        return report
    }

    /// `<dir>/images/.../x.jpg` -> `<dir>/labels/.../x.txt` (the last "images" component).
    static func labelFile(for imagePath: String) -> String {
        var components = (imagePath as NSString).deletingPathExtension.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if let index = components.lastIndex(of: "images") { components[index] = "labels" }
        return components.joined(separator: "/") + ".txt"
    }

    struct Box {
        var `class`: Int
        var cx, cy, w, h: Double
    }

    /// Parses a label file; a malformed line is an error naming the file and line.
    static func readLabels(_ path: String) throws -> [Box] {
        try InputFiles.lines(path).enumerated().map { number, line in
            let fields = line.split(whereSeparator: \.isWhitespace)
            let values = fields.dropFirst().compactMap { Double($0) }
            guard let classIndex = fields.first.flatMap({ Int($0) }), classIndex >= 0, values.count == fields.count - 1,
                  values.count == 4 || (values.count >= 6 && values.count % 2 == 0) else {
                throw DatasetError.badInput(file: path, problem: "line \(number + 1): expected 'class cx cy w h' (or 'class x1 y1 x2 y2 ...')")
            }
            if values.count == 4 { return Box(class: classIndex, cx: values[0], cy: values[1], w: values[2], h: values[3]) }
            let xs = stride(from: 0, to: values.count, by: 2).map { values[$0] }, ys = stride(from: 1, to: values.count, by: 2).map { values[$0] }
            let (left, right, top, bottom) = (xs.min()!, xs.max()!, ys.min()!, ys.max()!)
            return Box(class: classIndex, cx: (left + right) / 2, cy: (top + bottom) / 2, w: right - left, h: bottom - top)
        }
    }

    /// What a conversion reads: the class names and, per split, its image files (path, and the name recorded for it).
    struct Source {
        var classes: [String]
        var splits: [(name: String, images: [(path: String, name: String)])]

        /// Every file the conversion reads (the images and their label files), for a fingerprint of the input.
        var inputFiles: [String] { splits.flatMap { $0.images.flatMap { [$0.path, YOLOConverter.labelFile(for: $0.path)] } } }
    }

    static func directorySource(_ directory: String, names: [String]?) throws -> Source {
        guard let names, !names.isEmpty else { throw DatasetError.badOption(name: "names", problem: "needed when --from is a directory (or give a data yaml)") }
        let images = directory + "/images"
        let splitNames = try InputFiles.subdirectories(images).filter { ["train", "val", "test"].contains($0) }
        let splits = splitNames.isEmpty ? [("train", images)] : splitNames.map { ($0, images + "/" + $0) }
        return Source(classes: names, splits: try splits.map { name, directory in (name, try imagesOfDirectory(directory)) })
    }

    static func yamlSource(_ path: String, names: [String]?) throws -> Source {
        let text = String(decoding: try InputFiles.read(path), as: UTF8.self)
        guard let yaml = try BoundedYAML.load(text, file: path) as? [String: Any] else { throw DatasetError.badInput(file: path, problem: "not a YAML mapping") }
        let yamlDirectory = (path as NSString).deletingLastPathComponent
        // YOLOv5: entries relative to `path`, `path` (or an entry without it) relative to the current directory; the
        // yaml's own directory when that does not exist.
        func located(_ entry: String) -> String {
            if entry.hasPrefix("/") { return entry }
            let fromHere = FileManager.default.currentDirectoryPath + "/" + entry
            return InputFiles.exists(fromHere) ? fromHere : (yamlDirectory.isEmpty ? entry : yamlDirectory + "/" + entry)
        }
        let base = (yaml["path"] as? String).map(located)
        var classes = names ?? []
        if names == nil {
            if let list = yaml["names"] as? [Any] {
                classes = list.map { "\($0)" }
            } else if let entries = yaml["names"] as? [AnyHashable: Any] {
                let map = Dictionary(entries.map { (Int("\($0.key)") ?? -1, "\($0.value)") }, uniquingKeysWith: { first, _ in first })
                guard Set(map.keys) == Set(0 ..< entries.count) else { throw DatasetError.badInput(file: path, problem: "names: keys are not 0..<\(entries.count)") }
                classes = (0 ..< map.count).map { map[$0]! }
            } else {
                throw DatasetError.badInput(file: path, problem: "names: missing (a list or an index -> name map)")
            }
            if let count = yaml["nc"] as? Int, count != classes.count {
                throw DatasetError.badInput(file: path, problem: "nc: \(count), but names lists \(classes.count) classes")
            }
        }
        let splits = try ["train", "val", "test"].compactMap { split -> (name: String, images: [(path: String, name: String)])? in
            guard let value = yaml[split], !(value is NSNull) else { return nil }
            let entries: [String]
            if let one = value as? String { entries = [one] } else if let list = value as? [Any], list.allSatisfy({ $0 is String }) { entries = list.map { $0 as! String } } else {
                throw DatasetError.badInput(file: path, problem: "\(split): expected an image directory, a .txt list of images, or a list of them")
            }
            let images = try entries.flatMap { entry -> [(path: String, name: String)] in
                let resolved = entry.hasPrefix("/") ? entry : base.map { $0 + "/" + entry } ?? located(entry)
                if InputFiles.isDirectory(resolved) { return try imagesOfDirectory(resolved) }
                guard InputFiles.exists(resolved) else { throw DatasetError.badInput(file: path, problem: "\(split): \(resolved) does not exist") }
                return try imagesOfList(resolved)
            }
            return (split, images)
        }
        guard !splits.isEmpty else { throw DatasetError.badInput(file: path, problem: "names no train, val or test images") }
        return Source(classes: classes, splits: splits)
    }

    /// The images under a directory, recursively, named by their path below it.
    static func imagesOfDirectory(_ directory: String) throws -> [(path: String, name: String)] {
        try InputFiles.images(under: directory).map { ($0, String($0.dropFirst(directory.count + 1))) }
    }

    /// The images a `.txt` list names, one path a line (`./x` relative to the list's directory, as YOLOv5 reads it);
    /// a listed file that is not a readable image format is an error naming the list and line.
    static func imagesOfList(_ list: String) throws -> [(path: String, name: String)] {
        let directory = (list as NSString).deletingLastPathComponent
        return try InputFiles.lines(list).enumerated().map { number, line in
            let path = line.hasPrefix("./") ? directory + "/" + line.dropFirst(2) : line
            guard InputFiles.imageExtensions.contains((path as NSString).pathExtension.lowercased()) else {
                throw DatasetError.badInput(file: list, problem: "line \(number + 1): \(path) is not a .jpg, .jpeg, .png, .ppm or .pgm image")
            }
            return (path, line.hasPrefix("./") ? String(line.dropFirst(2)) : (path as NSString).lastPathComponent)
        }
    }
}
