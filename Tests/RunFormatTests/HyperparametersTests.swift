import RunFormat
import XCTest

/// YOLOv5's hyp files load as they are, and a run's identity does not move when keys are added.
final class HyperparametersTests: XCTestCase {
    /// Checkpoints carry a run identity that hashes this text: it must stay the same for the defaults (and for any
    /// file that leaves the keys added later at their defaults), or every existing run would refuse to resume.
    func testTheIdentityTextOfTheDefaultsIsUnchanged() {
        XCTAssertEqual("\(Hyperparameters())", """
            Hyperparameters(lr0: 0.01, lrf: 0.1, momentum: 0.937, weight_decay: 0.0005, warmup_epochs: 3.0, \
            warmup_min_iterations: 1000, warmup_momentum: 0.8, warmup_bias_lr: 0.1, box: 0.05, cls: 0.5, cls_pw: 1.0, \
            obj: 1.0, obj_pw: 1.0, anchor_t: 4.0, fl_gamma: 0.0, label_smoothing: 0.0, hsv_h: 0.015, hsv_s: 0.7, \
            hsv_v: 0.4, degrees: 0.0, translate: 0.1, scale: 0.5, shear: 0.0, perspective: 0.0, flipud: 0.0, \
            fliplr: 0.5, mosaic: 1.0, mixup: 0.0)
            """)
    }

    /// Every key of YOLOv5 v6.0's hyp files (hyp.scratch, hyp.scratch-low/-med/-high, hyp.finetune), values of the
    /// kind those files use.
    func testEveryKeyOfYOLOv5HypFilesLoads() throws {
        let file = """
            lr0: 0.0032
            lrf: 0.12
            momentum: 0.843
            weight_decay: 0.00036
            warmup_epochs: 2.0
            warmup_momentum: 0.5
            warmup_bias_lr: 0.05
            box: 0.0296
            cls: 0.243
            cls_pw: 0.631
            obj: 0.301
            obj_pw: 0.911
            iou_t: 0.2
            anchor_t: 2.91
            anchors: 0
            fl_gamma: 0.0
            hsv_h: 0.0138
            hsv_s: 0.664
            hsv_v: 0.464
            degrees: 0.373
            translate: 0.245
            scale: 0.898
            shear: 0.602
            perspective: 0.0
            flipud: 0.00856
            fliplr: 0.5
            mosaic: 1.0
            mixup: 0.243
            copy_paste: 0.1
            """
        let hyp = try Hyperparameters(yaml: file, file: "hyp.finetune.yaml")
        XCTAssertEqual(hyp.mixup, 0.243)
        XCTAssertEqual(hyp.copy_paste, 0.1)
        XCTAssertEqual(hyp.scale, 0.898)
        XCTAssertTrue("\(hyp)".hasSuffix(", mosaic: 1.0, mixup: 0.243, copy_paste: 0.1)"), "a key added later counts once set: \(hyp)")
    }

    func testKeysThatCannotTakeEffectSaySo() {
        XCTAssertThrowsError(try Hyperparameters(yaml: "anchors: 3", file: "h.yaml")) { error in
            XCTAssertEqual("\(error)", "h.yaml: 'anchors' (YOLOv5: rebuild the model with this many anchors per level and let autoanchor fit them) "
                           + "is not implemented: the model file's anchors are used; remove the key or set it to 0")
        }
        XCTAssertThrowsError(try Hyperparameters(yaml: "iou_t: 2", file: "h.yaml")) { error in
            XCTAssertEqual("\(error)", "h.yaml: 'iou_t' must be a number from 0.0 to 1.0, got 2")
        }
        XCTAssertThrowsError(try Hyperparameters(yaml: "copy_paste: -1", file: "h.yaml"))
        XCTAssertThrowsError(try Hyperparameters(yaml: "iou_tt: 0.2", file: "h.yaml")) { error in
            XCTAssertTrue("\(error)".contains("unknown hyperparameter 'iou_tt'"), "\(error)")
        }
    }
}
