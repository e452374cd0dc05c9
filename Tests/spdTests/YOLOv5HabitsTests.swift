import ArgumentParser
import Foundation
import Imaging
@testable import spd
import XCTest

/// A YOLOv5 user's first run, unedited: a coco128-style data.yaml (`path:`, a list of image directories, a .txt list)
/// and a hyp file with every key of YOLOv5 v6.0's, through train.py's flags.
final class YOLOv5HabitsTests: XCTestCase {
    func testACoco128StyleRunTrainsWithoutEdits() throws {
        let root = NSTemporaryDirectory() + "spd-habits-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (split, count) in [("train2017", 8), ("val2017", 4)] {
            try FileManager.default.createDirectory(atPath: "\(root)/coco8/images/\(split)", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(root)/coco8/labels/\(split)", withIntermediateDirectories: true)
            for index in 0..<count {
                var image = Image(width: 64, height: 64, format: .rgb, filledWith: 110)
                let x = 8 + 5 * index, y = 10 + 3 * index
                image.fillRectangle(x0: x, y0: y, x1: x + 19, y1: y + 15, color: index % 2 == 0 ? RGBColor(red: 230, green: 20, blue: 20) : RGBColor(red: 20, green: 20, blue: 230))
                try Data(try image.pngData()).write(to: URL(fileURLWithPath: "\(root)/coco8/images/\(split)/\(index).png"))
                try "\(index % 2) \(Double(x + 10) / 64) \(Double(y + 8) / 64) \(20.0 / 64) \(16.0 / 64)\n"
                    .write(toFile: "\(root)/coco8/labels/\(split)/\(index).txt", atomically: true, encoding: .utf8)
            }
        }
        try (0..<4).map { "./images/val2017/\($0).png" }.joined(separator: "\n").write(toFile: "\(root)/coco8/val2017.txt", atomically: true, encoding: .utf8)
        try "path: coco8\ntrain: [images/train2017]\nval: val2017.txt\nnc: 2\nnames: ['red', 'blue']\n"
            .write(toFile: "\(root)/coco8.yaml", atomically: true, encoding: .utf8)
        try """
            lr0: 0.01
            lrf: 0.1
            momentum: 0.937
            weight_decay: 0.0005
            warmup_epochs: 3.0
            warmup_momentum: 0.8
            warmup_bias_lr: 0.1
            box: 0.05
            cls: 0.3
            cls_pw: 1.0
            obj: 0.7
            obj_pw: 1.0
            iou_t: 0.20
            anchor_t: 4.0
            # anchors: 3
            fl_gamma: 0.0
            hsv_h: 0.015
            hsv_s: 0.7
            hsv_v: 0.4
            degrees: 0.0
            translate: 0.1
            scale: 0.9
            shear: 0.0
            perspective: 0.0
            flipud: 0.0
            fliplr: 0.5
            mosaic: 1.0
            mixup: 0.1
            copy_paste: 0.1
            """.write(toFile: "\(root)/hyp.scratch-high.yaml", atomically: true, encoding: .utf8)
        let run = "\(root)/runs/habits"
        let train = try TrainCommand.parse(["--data", "\(root)/coco8.yaml", "--cfg", "tiny-spd", "--hyp", "\(root)/hyp.scratch-high.yaml", "--weights", "",
                                            "--img", "64", "--batch-size", "4", "--epochs", "2", "--name", "habits", "--run-dir", run, "--progress", "log"])
        try train.run()
        let config = try String(contentsOfFile: "\(run)/config.yaml", encoding: .utf8)
        XCTAssertTrue(config.contains("name: habits"))
        XCTAssertTrue(config.contains("data: \(root)/coco8.spd-shards"), config)
        XCTAssertTrue(config.contains("  mixup: 0.1\n") && config.contains("  copy_paste: 0.1\n") && config.contains("  scale: 0.9\n"), config)
        XCTAssertEqual(try String(contentsOfFile: "\(run)/classes.txt", encoding: .utf8), "red\nblue\n")
        let header = try String(contentsOfFile: "\(run)/results.csv", encoding: .utf8).split(separator: "\n")[0]
        XCTAssertTrue(header.contains("metrics/precision,metrics/recall"), String(header))
        for picture in ["results.png", "labels.jpg", "train_batch0.jpg", "val_batch0_pred.jpg", "confusion_matrix.png", "PR_curve.png", "F1_curve.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(run)/\(picture)"), picture)
        }
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.hasPrefix("events.out.tfevents.") }.isEmpty)
    }
}
