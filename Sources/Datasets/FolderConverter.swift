import Shards

/// Converts class-per-directory image folders into a classification dataset, images stored as their original
/// bytes with `<key>.cls`. Two layouts:
/// - plain: `<from>/<split>/<class>/*.jpg` for splits train, val, test (classes: the sorted directory names of
///   the first split); or `<from>/<class>/*.jpg` alone, written as "train" (or train/val with `valFraction`).
/// - Tiny ImageNet (recognised by `wnids.txt`): `train/<wnid>/images/*.JPEG`, `val/images/*.JPEG` labelled by
///   `val/val_annotations.txt` (file, wnid, box); class order from wnids.txt, names from `words.txt` (first
///   synonym), the wnids in `extra["wnids"]`. The unlabelled `test/` is not converted.
public enum FolderConverter {
    public static func convert(from directory: String, valFraction: Double? = nil, name: String? = nil, out: String, options: ConversionOptions) throws -> DatasetManifest {
        let layout = InputFiles.exists(directory + "/wnids.txt") ? try tinyImageNet(directory) : try plain(directory)
        let validation = try valFraction.map { try ValidationSplit(fraction: $0, seed: options.seed) }
        return try DatasetBuilder.build(
            directory: out, name: name ?? "folder", task: .classify, classes: layout.classes, tool: "spd data make folder", options: options
        ) { builder in
            var counts: [String: Int] = [:]
            for (split, samples) in layout.splits {
                for (path, label) in samples {
                    let bytes = try InputFiles.read(path)
                    let header = try ImageHeader(parsing: bytes, name: path)
                    let key = InputFiles.key(counts[split, default: 0])
                    counts[split, default: 0] += 1
                    try builder.append(split: validation?.split(of: split + key) ?? split, key: validation == nil ? key : split + key,
                                       image: (header.format.fileExtension, bytes), size: .init(width: header.width, height: header.height),
                                       label: ("cls", SampleSchema.encodeClass(label)))
                }
            }
            return layout.extra
        }
    }

    /// Class names, per split the (image path, class index) pairs, and manifest extras.
    struct Layout {
        var classes: [String]
        var splits: [(String, [(String, Int)])]
        var extra: [String: String]
    }

    static func plain(_ directory: String) throws -> Layout {
        let splitNames = try InputFiles.subdirectories(directory).filter { ["train", "val", "test"].contains($0) }
        let splitDirectories = splitNames.isEmpty ? [("train", directory)] : splitNames.map { ($0, directory + "/" + $0) }
        let classes = try InputFiles.subdirectories(splitDirectories[0].1)
        guard !classes.isEmpty else { throw DatasetError.badInput(file: splitDirectories[0].1, problem: "has no class directories") }
        let indexOfClass = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let splits = try splitDirectories.map { split, path in
            (split, try InputFiles.subdirectories(path).flatMap { className in
                guard let label = indexOfClass[className] else {
                    throw DatasetError.badInput(file: path + "/" + className, problem: "class '\(className)' is not a class of \(splitDirectories[0].1)")
                }
                return try InputFiles.images(under: path + "/" + className).map { ($0, label) }
            })
        }
        return Layout(classes: classes, splits: splits, extra: ["source": "folder"])
    }

    static func tinyImageNet(_ directory: String) throws -> Layout {
        let wnids = try InputFiles.lines(directory + "/wnids.txt")
        let indexOfWnid = Dictionary(uniqueKeysWithValues: wnids.enumerated().map { ($1, $0) })
        var names: [String: String] = [:]
        if InputFiles.exists(directory + "/words.txt") {
            for line in try InputFiles.lines(directory + "/words.txt") {
                let fields = line.split(separator: "\t", maxSplits: 1)
                if fields.count == 2 { names[String(fields[0])] = fields[1].split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } }
            }
        }
        let train = try wnids.enumerated().flatMap { label, wnid in
            try InputFiles.images(under: directory + "/train/" + wnid + "/images").map { ($0, label) }
        }
        let annotationsPath = directory + "/val/val_annotations.txt"
        let val = try InputFiles.lines(annotationsPath).enumerated().map { number, line in
            let fields = line.split(separator: "\t")
            guard fields.count >= 2, let label = indexOfWnid[String(fields[1])] else {
                throw DatasetError.badInput(file: annotationsPath, problem: "line \(number + 1): expected '<file>\\t<wnid from wnids.txt>\\t...'")
            }
            return (directory + "/val/images/" + fields[0], label)
        }
        return Layout(classes: wnids.map { names[$0] ?? $0 }, splits: [("train", train), ("val", val)],
                      extra: ["source": "tiny-imagenet", "wnids": wnids.joined(separator: ",")])
    }
}
