import ArgumentParser
import Datasets
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Make, inspect and verify shard datasets.", subcommands: [Make.self, Inspect.self, Verify.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case coco, yolo, cifar10, idx, folder
        case fashionLowres = "fashion-lowres"
        case fashionDetect = "fashion-detect"
    }

    struct Make: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a dataset into zstd tar shards plus dataset.json.",
            discussion: """
            coco: --from instances JSON [--images DIR] (--split train|val, or --val-fraction F); yolo: --from data yaml, or a \
            directory with images/ and labels/ plus --names; cifar10: --from the directory of the .bin batches; idx: --from \
            the directory of MNIST-style IDX files (.gz or not); folder: --from train/<class>/... or a Tiny ImageNet \
            directory; fashion-lowres [--size 32|16] and fashion-detect [--train N --val N] read Debian's dataset-fashion-mnist.
            """)

        @Argument(help: "One of: \(Format.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: Format
        @Option(help: "The input: a file or directory (see above); optional for the fashion sets.")
        var from: String?
        @Option(help: "The output dataset directory (new, empty, or one to add a split to).")
        var out: String
        @Option(help: "Samples per shard.")
        var shardSize: Int = 10_000
        @Option(help: "zstd compression level.")
        var zstdLevel: Int = 3
        @Option(help: "Seed of --val-fraction's split and of fashion-detect's canvases.")
        var splitSeed: UInt64 = 0
        @Option(help: "coco: the split this file is.")
        var split: String = "train"
        @Option(help: "coco, folder: send this share of the images to val, chosen by key and --split-seed.")
        var valFraction: Double?
        @Option(help: "coco: the image directory (default: the JSON's directory).")
        var images: String?
        @Option(help: "yolo, idx: class names, comma-separated.")
        var names: String?
        @Option(help: "The dataset's name in dataset.json.")
        var name: String?
        @Option(help: "fashion-lowres: 32 or 16.")
        var size: Int = 32
        @Option(help: "fashion sets: train samples (default: all for fashion-lowres, 5000 for fashion-detect).")
        var train: Int?
        @Option(help: "fashion sets: val samples (default: all for fashion-lowres, 500 for fashion-detect).")
        var val: Int?

        func run() throws {
            try reportingErrors {
                let options = ConversionOptions(samplesPerShard: shardSize, zstdLevel: zstdLevel, seed: splitSeed) { line in
                    FileHandle.standardError.write(Data("\(line)\n".utf8))
                }
                let classNames = names?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                switch format {
                case .coco:
                    _ = try COCOConverter.convert(annotations: required(from), images: images, split: split, valFraction: valFraction, name: name, out: out, options: options)
                case .yolo:
                    _ = try YOLOConverter.convert(from: required(from), names: classNames, name: name, out: out, options: options)
                case .cifar10:
                    _ = try CIFAR10Converter.convert(from: required(from), name: name ?? "cifar10", out: out, options: options)
                case .idx:
                    _ = try IDXConverter.convert(from: required(from), classes: classNames, name: name ?? "idx", out: out, options: options)
                case .folder:
                    _ = try FolderConverter.convert(from: required(from), valFraction: valFraction, name: name, out: out, options: options)
                case .fashionLowres:
                    _ = try FashionLowRes.build(size: size, train: train, val: val, from: from, out: out, options: options)
                case .fashionDetect:
                    _ = try FashionDetect.build(train: train ?? 5000, val: val ?? 500, from: from, out: out, options: options)
                }
                print(try DatasetInspection(directory: out).rendered)
            }
        }

        private func required(_ path: String?) throws -> String {
            guard let path else { throw ValidationError("\(format.rawValue) needs --from") }
            return path
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print samples per split, classes, box sizes, bytes and compression ratio.")

        @Argument(help: "A dataset directory.")
        var directory: String

        func run() throws {
            try reportingErrors { print(try DatasetInspection(directory: directory).rendered) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every shard's checksum, decode every image and validate every label; exit 1 on any problem.")

        @Argument(help: "A dataset directory.")
        var directory: String

        func run() throws {
            try reportingErrors {
                let verifier = try DatasetVerifier(directory: directory) { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
                for problem in verifier.problems { print(problem) }
                print("\(verifier.shards) shards, \(verifier.samples) samples, \(verifier.problems.count) problems")
                if !verifier.problems.isEmpty { throw ExitCode.failure }
            }
        }
    }
}
