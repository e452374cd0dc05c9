import ArgumentParser
import Foundation
@testable import spd
import XCTest

/// Options outside their domain are refused by the parser (exit 64 with the option named), and read-only commands
/// create nothing.
final class OptionValidationTests: XCTestCase {
    private func parseError<C: ParsableCommand>(_ type: C.Type, _ arguments: [String]) -> String? {
        do { _ = try type.parseAsRoot(arguments); return nil } catch { return type.message(for: error) }
    }

    func testThreadsAreBounded() {
        XCTAssertNil(parseError(BenchCommand.Train.self, ["--threads", "2"]))
        for bad in ["0", "-1", "100000"] {
            XCTAssertEqual(parseError(BenchCommand.Train.self, ["--threads=\(bad)"]),
                           "--threads must be from 1 to 64 (this OpenBLAS build's MAX_THREADS), got \(bad)")
            XCTAssertNotNil(parseError(DetectCommand.self, ["--weights", "w", "--cfg", "c", "--source", "s", "--threads=\(bad)"]))
        }
    }

    func testPrecisionIsFP32OrBF16() {
        XCTAssertNil(parseError(BenchCommand.Train.self, ["--precision", "bf16"]))
        XCTAssertNil(parseError(BenchCommand.Ops.self, ["--precision", "fp32"]))
        XCTAssertEqual(parseError(BenchCommand.Train.self, ["--precision", "fp16"]),
                       "The value 'fp16' is invalid for '--precision <precision>'. Please provide one of 'fp32' and 'bf16'.")
    }

    func testMPIRunTermGraceIsBounded() {
        XCTAssertNil(parseError(MPIRunOptionsCommand.self, ["--allocation", "--term-grace", "28"]))
        for bad in ["0", "-5", "86401"] {
            XCTAssertEqual(parseError(MPIRunOptionsCommand.self, ["--term-grace=\(bad)"]), "--term-grace must be from 1 to 86400 seconds, got \(bad)")
        }
    }

    func testCoordinatorIntervalsAreBounded() {
        let base = ["--hostfile", "h"]
        XCTAssertNil(parseError(CoordinatorCommand.self, base))
        XCTAssertEqual(parseError(CoordinatorCommand.self, base + ["--poll=-1"]), "--poll must be seconds above 0 and at most a week, got -1.0")
        XCTAssertEqual(parseError(CoordinatorCommand.self, base + ["--poll", "nan"]), "--poll must be seconds above 0 and at most a week, got nan")
        XCTAssertEqual(parseError(CoordinatorCommand.self, base + ["--kill-grace=-3"]), "--kill-grace must be seconds from 0 to a day, got -3.0")
        XCTAssertEqual(parseError(CoordinatorCommand.self, base + ["--max-restarts=-1"]), "--max-restarts must be from 0 to 1000, got -1")
    }

    func testCoordinatorBackendOptions() {
        XCTAssertNil(parseError(CoordinatorCommand.self, ["--slurm", "--partition", "cpu", "--time", "1:00:00", "--sbatch-option=--qos=long"]))
        XCTAssertEqual(parseError(CoordinatorCommand.self, []), "give --hostfile (the hosts to run on) or --slurm (submit the runs as Slurm jobs)")
        XCTAssertEqual(parseError(CoordinatorCommand.self, ["--slurm", "--hostfile", "h"]), "--hostfile and --slurm exclude each other: Slurm places the jobs")
        XCTAssertEqual(parseError(CoordinatorCommand.self, ["--hostfile", "h", "--partition", "cpu"]), "--partition needs --slurm")
        XCTAssertEqual(parseError(CoordinatorCommand.self, ["--slurm", "--slurm-signal=-5"]), "--slurm-signal must be seconds from 0 to a day, got -5")
    }

    func testExportFormatOptions() {
        XCTAssertNil(parseError(ExportCommand.self, ["run", "--out", "m.onnx", "--format", "onnx", "--imgsz", "320", "--cfg", "yolov5-spd-n"]))
        XCTAssertEqual(parseError(ExportCommand.self, ["run", "--out", "w.safetensors", "--imgsz", "320"]), "--imgsz and --cfg apply to --format onnx only")
        XCTAssertEqual(parseError(ExportCommand.self, ["run", "--out", "m.onnx", "--format", "onnx", "--imgsz=-32"]), "--imgsz must be positive, got -32")
        XCTAssertNotNil(parseError(ExportCommand.self, ["run", "--out", "m.pt", "--format", "torchscript"]))
    }

    /// YOLOv5's detect.py habits: --classes filters by class index; the names file is --names.
    func testDetectClassFilterAndNames() throws {
        let base = ["--weights", "w", "--source", "s"]
        XCTAssertEqual(try DetectCommand.parse(base + ["--classes", "0", "2", "--agnostic-nms"]).classes, [0, 2])
        XCTAssertEqual(parseError(DetectCommand.self, base + ["--classes=-1"]), "--classes takes class indices from 0, got -1")
        XCTAssertEqual(parseError(DetectCommand.self, base + ["--names", "n.txt", "--data", "d"]), "give --names or --data, not both")
        XCTAssertNotNil(parseError(DetectCommand.self, base + ["--classes", "names.txt"]), "a names file is --names now")
    }

    /// Requests detect and val can only refuse once they know the model: clear messages naming the option.
    func testDetectAndValRefuseWhatTheModelCannotDo() throws {
        let weightsFile = NSTemporaryDirectory() + "spd-weights-\(UUID().uuidString).safetensors"
        XCTAssertTrue(FileManager.default.createFile(atPath: weightsFile, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: weightsFile) }
        let noModel = try DetectCommand.parse(["--weights", weightsFile, "--source", "s"])
        XCTAssertThrowsError(try noModel.modelFile()) { error in
            XCTAssertEqual((error as? ValidationError)?.message,
                           "give --cfg: \(weightsFile) is not a run directory that recorded its model file (runs record model.yaml since SPDTrain 0.7)")
        }
        let filtered = try DetectCommand.parse(["--weights", weightsFile, "--cfg", "yolov5-spd-n", "--source", "s", "--classes", "3", "80"])
        XCTAssertTrue(try filtered.modelFile().hasSuffix("configs/models/yolov5-spd-n.yaml"))
        XCTAssertNoThrow(try filtered.checkClasses(classCount: 81))
        XCTAssertThrowsError(try filtered.checkClasses(classCount: 80)) { error in
            XCTAssertEqual((error as? ValidationError)?.message, "--classes 80: the model has 80 classes (0 to 79)")
        }

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let classifier = "\(root)/configs/models/resnet18-spd.yaml", detector = "\(root)/configs/models/yolov5-spd-n.yaml"
        let val = try ValCommand.parse(["--weights", weightsFile, "--data", "d", "--save-json", "p.json"])
        XCTAssertThrowsError(try val.checkSaveJSON(modelFile: classifier)) { error in
            XCTAssertEqual((error as? ValidationError)?.message, "--save-json writes a detector's boxes; \(classifier) is a classifier")
        }
        XCTAssertNoThrow(try val.checkSaveJSON(modelFile: detector))
        XCTAssertNoThrow(try ValCommand.parse(["--weights", weightsFile, "--data", "d"]).checkSaveJSON(modelFile: classifier))
    }

    /// `spd status --state TYPO` used to create TYPO.
    func testReadOnlyCommandsCreateNoStateDirectory() throws {
        let missing = NSTemporaryDirectory() + "spd-typo-\(UUID().uuidString)"
        let status = try StatusCommand.parse(["--state", missing])
        XCTAssertThrowsError(try status.run()) { XCTAssertEqual(($0 as? ExitCode)?.rawValue, 1) }
        let logs = try LogsCommand.parse(["--state", missing, "run"])
        XCTAssertThrowsError(try logs.run())
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
    }
}
