import Foundation

/// The parts of a COCO instances JSON a converter needs, read with `JSONScanner`: per image 4 fields, per
/// annotation 8 numbers (segmentations and everything else are skipped unparsed).
struct COCOFile {
    struct Image {
        var id: Int
        var fileName: String
        var width: Int
        var height: Int
    }

    struct Annotation {
        var imageID: Int
        var categoryID: Int
        /// COCO xywh in pixels.
        var x: Double, y: Double, width: Double, height: Double
        var area: Double?
        var isCrowd: Bool
    }

    struct Category {
        var id: Int
        var name: String
    }

    var images: [Image]
    var annotations: [Annotation]
    var categories: [Category]

    /// Reads `path` (memory-mapped). Throws `DatasetError.badInput` naming the file, the field and the byte offset.
    init(contentsOf path: String) throws {
        guard InputFiles.exists(path), !InputFiles.isDirectory(path),
              let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw DatasetError.badInput(file: path, problem: InputFiles.exists(path) ? "cannot be read as a file" : "missing")
        }
        var images: [Image] = [], annotations: [Annotation] = [], categories: [Category] = []
        try data.withUnsafeBytes { text in
            var scanner = JSONScanner(text: text, file: path)
            try scanner.forEachMember { scanner, name in
                switch name {
                case "images": try scanner.forEachElement { images.append(try Self.readImage(&$0)) }
                case "annotations": try scanner.forEachElement { annotations.append(try Self.readAnnotation(&$0)) }
                case "categories": try scanner.forEachElement { categories.append(try Self.readCategory(&$0)) }
                default: try scanner.skipValue()
                }
            }
        }
        self.images = images
        self.annotations = annotations
        self.categories = categories
    }

    private static func readImage(_ scanner: inout JSONScanner) throws -> Image {
        var id: Int?, fileName: String?, width: Int?, height: Int?
        try scanner.forEachMember { scanner, name in
            switch name {
            case "id": id = try scanner.readInteger()
            case "file_name": fileName = try scanner.readString()
            case "width": width = try scanner.readInteger()
            case "height": height = try scanner.readInteger()
            default: try scanner.skipValue()
            }
        }
        guard let id, let fileName else { throw scanner.error("an image lacks \"id\" or \"file_name\"") }
        return Image(id: id, fileName: fileName, width: width ?? 0, height: height ?? 0)
    }

    private static func readAnnotation(_ scanner: inout JSONScanner) throws -> Annotation {
        var imageID: Int?, categoryID: Int?, box: [Double] = [], area: Double?, isCrowd = false
        try scanner.forEachMember { scanner, name in
            switch name {
            case "image_id": imageID = try scanner.readInteger()
            case "category_id": categoryID = try scanner.readInteger()
            case "bbox": try scanner.forEachElement { box.append(try $0.readNumber()) }
            case "area": area = try scanner.skipNull() ? nil : try scanner.readNumber()
            case "iscrowd": isCrowd = try scanner.readInteger() != 0
            default: try scanner.skipValue()
            }
        }
        guard let imageID, let categoryID, box.count == 4 else {
            throw scanner.error("an annotation lacks \"image_id\", \"category_id\" or a 4-number \"bbox\"")
        }
        return Annotation(imageID: imageID, categoryID: categoryID, x: box[0], y: box[1], width: box[2], height: box[3], area: area, isCrowd: isCrowd)
    }

    private static func readCategory(_ scanner: inout JSONScanner) throws -> Category {
        var id: Int?, name: String?
        try scanner.forEachMember { scanner, key in
            switch key {
            case "id": id = try scanner.readInteger()
            case "name": name = try scanner.readString()
            default: try scanner.skipValue()
            }
        }
        guard let id else { throw scanner.error("a category lacks \"id\"") }
        return Category(id: id, name: name ?? String(id))
    }
}
