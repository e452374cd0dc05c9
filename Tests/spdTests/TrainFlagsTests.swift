import ArgumentParser
import Foundation
import RunFormat
@testable import spd
import XCTest

/// YOLOv5 train.py's flags on spd train: they parse to the same settings, and a run starts without an experiment file.
final class TrainFlagsTests: XCTestCase {
    func testYOLOv5FlagsParse() throws {
        let command = try TrainCommand.parse(["--data", "d", "--cfg", "yolov5-spd-n", "--img", "320", "--batch-size", "8", "--epochs", "3",
                                              "--hyp", "h.yaml", "--weights", "", "--name", "fd"])
        XCTAssertNil(command.config)
        XCTAssertEqual(command.model, "yolov5-spd-n")
        XCTAssertEqual(command.imgsz, 320)
        XCTAssertEqual(command.batch, 8)
        XCTAssertEqual(command.hyp, "h.yaml")
        XCTAssertEqual(command.weights, "")
        XCTAssertEqual(command.name, "fd")
        XCTAssertEqual(try TrainCommand.parse(["--img-size", "256", "--model", "m"]).imgsz, 256)
    }

    /// Without an experiment file, `spd train --data ... --cfg ...` starts from configs/experiments/yolov5-train.yaml.
    func testTheDefaultBaseExperimentLoads() throws {
        let config = try ExperimentConfig(contentsOf: "\(repositoryRoot())/configs/experiments/yolov5-train.yaml",
                                          overrides: ["name=fd", "hyp_file=configs/hyps/hyp.scratch-low.yaml", "weights=null"], repositoryRoot: repositoryRoot())
        XCTAssertEqual(config.name, "fd")
        XCTAssertEqual(config.model, "yolov5-spd-s")
        XCTAssertEqual([config.epochs, config.batch, config.imgsz], [300, 16, 640])
        XCTAssertNil(config.weights)
    }
}
