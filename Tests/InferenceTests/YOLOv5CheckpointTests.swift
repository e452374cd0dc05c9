import Foundation
import Models
import TestSupport
import XCTest

/// tools/yolov5_pt_to_safetensors.py: a YOLOv5-style .pt (the model object pickled, weights in float16, `model` and
/// `ema`) becomes a state dict that spd loads by the reference names, without the classes that pickled it.
final class YOLOv5CheckpointTests: XCTestCase {
    private let tool = Fixtures.repositoryRoot.appendingPathComponent("tools/yolov5_pt_to_safetensors.py").path

    func testAYOLOv5CheckpointLoadsInSpdWithoutItsCode() throws {
        try TestTools.requirePython(["torch", "safetensors"])
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A checkpoint as YOLOv5's train.py saves one, from the project's PyTorch YOLOv5-SPD-n (tools/peer/models.py,
        // whose weights are checked equal to the authors' by tools/peer/check_models.py): the class is pickled as
        // `models.Yolo`, which the converter's process cannot import.
        let save = """
            import copy, sys, torch
            from safetensors.torch import save_file
            sys.path.insert(0, sys.argv[1])
            from models import build
            torch.manual_seed(4)
            model = build("yolov5-spd-n")
            ema = copy.deepcopy(model)
            with torch.no_grad():
                for p in ema.parameters():
                    p.mul_(0.5)
            torch.save({"epoch": 9, "best_fitness": None, "model": copy.deepcopy(model).half(), "ema": copy.deepcopy(ema).half(),
                        "updates": 100, "optimizer": None, "date": "2026-12-06"}, sys.argv[2] + "/last.pt")
            for name, module in (("model", model), ("ema", ema)):
                save_file({k: (v.half().float() if v.is_floating_point() else v) for k, v in module.state_dict().items()},
                          f"{sys.argv[2]}/{name}-expected.safetensors")
            """
        _ = try TestTools.runChecked(TestTools.python, ["-c", save, Fixtures.repositoryRoot.appendingPathComponent("tools/peer").path, directory])
        let converted = try TestTools.runChecked(TestTools.python, [tool, "\(directory)/last.pt", "\(directory)/ema.safetensors"], in: directory)
        XCTAssertEqual(converted.text, "\(directory)/ema.safetensors: 349 tensors of the ema weights of \(directory)/last.pt\n")
        _ = try TestTools.runChecked(TestTools.python, [tool, "\(directory)/last.pt", "\(directory)/model.safetensors", "--weights", "model"], in: directory)

        for name in ["ema", "model"] {
            let loaded = try DetectionModel(definition: ModelDefinition(contentsOf: Fixtures.modelFile("yolov5-spd-n")))
            try loaded.state.load(from: "\(directory)/\(name).safetensors")
            let expected = try DetectionModel(definition: ModelDefinition(contentsOf: Fixtures.modelFile("yolov5-spd-n")))
            try expected.state.load(from: "\(directory)/\(name)-expected.safetensors")
            XCTAssertEqual(Array(loaded.state.parameterBuffer), Array(expected.state.parameterBuffer), name)
        }
    }

    func testNotACheckpointIsAnErrorNamingTheFile() throws {
        try TestTools.requirePython(["torch", "safetensors"])
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "not a checkpoint".write(toFile: "\(directory)/bad.pt", atomically: true, encoding: .utf8)
        let result = try TestTools.run(TestTools.python, [tool, "\(directory)/bad.pt", "\(directory)/out.safetensors"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.errors.hasPrefix("\(directory)/bad.pt: cannot read it as a PyTorch checkpoint"), result.errors)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(directory)/out.safetensors"))
    }
}
