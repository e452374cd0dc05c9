// spd-fuzz: the libFuzzer harness of the parsers that read user files. Built only by cluster/fuzz (SPD_FUZZ=1,
// -sanitize=fuzzer,address), one binary for every target; SPD_FUZZ_TARGET picks the parser.
// Every input must end in a value or a thrown error: a trap, a sanitizer report, a hang or an allocation above
// libFuzzer's limit is a finding.
import CFuzzer
import Coordinator
@testable import Datasets
import Foundation
import Models
import POSIXFiles
import RunFormat
import Shards
@testable import TensorFiles

/// The parser this process fuzzes, and a scratch directory for the parsers that read files.
private let target = ProcessInfo.processInfo.environment["SPD_FUZZ_TARGET"] ?? ""
private let scratch: String = {
    let path = NSTemporaryDirectory() + "spd-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path + "/checkpoints/step-000000001", withIntermediateDirectories: true)
    // A model may register at most 4M elements here, so that every model the fuzzer builds fits its memory limit.
    ModelState.maximumElements = 1 << 22
    return path
}()

/// The fuzz targets by name: each takes the input bytes.
private let targets: [String: @Sendable ([UInt8]) throws -> Void] = [
    "model": { bytes in
        let file = try written(bytes, as: "model.yaml")
        let model = try AnyModelDefinition(contentsOf: file).build()
        try model.checkFits(imageSize: 64, batch: 1, training: true)
    },
    "safetensors": { bytes in
        let file = try SafeTensorsFile(contentsOf: try written(bytes, as: "weights.safetensors"))
        for name in file.names { _ = try? file.floats(name) }
    },
    "npy": { bytes in _ = try NPYArray(contentsOf: try written(bytes, as: "array.npy")).floats() },
    "shard": { bytes in
        let reader = try ShardReader(path: try written(bytes, as: "train-000000.tar.zst"))
        for _ in 0..<100_000 { if try reader.next() == nil { break } }
    },
    "json": { bytes in _ = try bytes.withUnsafeBytes { try parseJSON($0) } },
    "coco": { bytes in _ = try COCOFile(contentsOf: try written(bytes, as: "instances.json")) },
    "idx": { bytes in _ = try IDXFile(contentsOf: try written(bytes, as: "train-images-idx3-ubyte")) },
    "state": { bytes in
        let directory = scratch + "/checkpoints"
        _ = try written(bytes, as: "checkpoints/step-000000001/state.json")
        _ = try written(Array("complete\n".utf8), as: "checkpoints/step-000000001/DONE")
        _ = try CheckpointStore(directory: directory, keep: 1).validate("step-000000001", identity: nil)
    },
    "sweep": { bytes in _ = try SweepFile(contentsOf: try written(bytes, as: "sweep.yaml")) },
]

/// Writes `bytes` to `name` under the scratch directory and returns its path.
private func written(_ bytes: [UInt8], as name: String) throws -> String {
    let path = scratch + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// One input of libFuzzer's loop: parse it with the chosen target; errors are expected answers.
private func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = try? targets[target]!(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

guard targets[target] != nil else {
    FileHandle.standardError.write(Data("spd-fuzz: set SPD_FUZZ_TARGET to one of \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
    exit(2)
}
var arguments = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argumentValues, fuzzOneInput))
