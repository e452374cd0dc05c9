import Detection
import Foundation
import Imaging
import Inference
import Models
import TensorFiles
import TestSupport
import XCTest

/// `spd checkpoint list` and `spd export` on a real (tiny) run directory, intact and damaged, and weights from a
/// run directory for detection.
final class CheckpointTests: XCTestCase {
    private var directory: String!
    private var scratch: String!

    override func setUpWithError() throws {
        directory = try SyntheticRun.directory()
        scratch = try Fixtures.temporaryDirectory()
    }

    override func tearDownWithError() throws { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }

    override class func tearDown() { SyntheticRun.remove() }

    /// A copy of the run that a test may damage.
    private func runCopy() throws -> String {
        let copy = "\(scratch!)/run"
        try FileManager.default.copyItem(atPath: "\(directory!)/run", toPath: copy)
        return copy
    }

    func testTableListsEveryCheckpoint() throws {
        let table = CheckpointTable(run: try RunCheckpoints(runDirectory: "\(directory!)/run"))
        let metrics = ["mAP_0.5", "mAP_0.5:0.95", "AP75", "AP_S", "AP_M", "AP_L", "AR100", "AR_S", "precision", "recall"]
        XCTAssertEqual(table.header, ["checkpoint", "links", "epoch", "step", "iteration", "saved", "world", "best fitness"] + metrics + ["status"])
        // 8 images in batches of 4: a checkpoint after each epoch, at iterations 2 and 4.
        XCTAssertEqual(table.rows.map { $0[0] }, ["step-000000004", "step-000000002"])
        XCTAssertEqual(table.rows.map { Array($0[2...4]) }, [["2", "0", "4"], ["1", "0", "2"]])
        XCTAssertEqual(table.rows.map { $0[6] }, ["1", "1"])
        XCTAssertEqual(table.rows.map { $0.last! }, ["ok", "ok"])
        XCTAssertTrue(table.rows[0][1].contains("last"))
        XCTAssertEqual(table.rows.filter { $0[1].contains("best") }.count, 1)
        for row in table.rows {
            XCTAssertEqual(row.count, table.header.count)
            XCTAssertNotNil(Double(row[7]), "best fitness '\(row[7])'")
            XCTAssertTrue(row[8..<18].allSatisfy { Double($0) != nil }, "metrics \(row[8..<18])")
            XCTAssertEqual(row[5].count, "yyyy-MM-dd HH:mm:ss".count)
        }
    }

    /// `spd export --out LINK` replaced the link; now only a regular file (or nothing) at the destination is replaced.
    func testExportReplacesRegularFilesOnly() throws {
        let run = try runCopy()
        let target = "\(scratch!)/target.safetensors", link = "\(scratch!)/link.safetensors"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        assertThrows({ try WeightsExport.export(runDirectory: run, weights: .raw, to: link) },
                     containing: [link, "exists and is not a regular file (a link, device, FIFO or directory), so it is not replaced"])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), target)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "keep")
    }

    func testDamagedCheckpointsShowWhy() throws {
        let run = try runCopy()
        let newest = "\(run)/checkpoints/step-000000004", older = "\(run)/checkpoints/step-000000002"
        try FileHandle(forWritingTo: URL(fileURLWithPath: "\(newest)/model.safetensors")).truncate(atOffset: 100)
        let exported = try WeightsExport.export(runDirectory: run, weights: .raw, to: "\(scratch!)/fallback.safetensors")
        XCTAssertEqual(exported.checkpoint, "step-000000002", "the newest valid checkpoint")
        assertThrows({ try WeightsExport.export(runDirectory: run, checkpoint: "last", weights: .raw, to: "\(self.scratch!)/x.safetensors") },
                     containing: [newest, "model.safetensors is damaged"])

        try FileManager.default.removeItem(atPath: "\(older)/DONE")
        let table = CheckpointTable(run: try RunCheckpoints(runDirectory: run))
        XCTAssertEqual(table.rows.count, 2)
        XCTAssertTrue(table.rows[0].last!.hasPrefix("model.safetensors is damaged"), table.rows[0].last!)
        XCTAssertEqual(table.rows[0][2], "2", "state.json is still read for the table")
        XCTAssertEqual(table.rows[1].last!, "no DONE marker (it was being written when the run stopped)")
        assertThrows({ try WeightsExport.export(runDirectory: run, weights: .ema, to: "\(self.scratch!)/x.safetensors") },
                     containing: ["\(run)/checkpoints", "no valid checkpoint", "no DONE marker"])
        assertThrows({ try WeightsLocation.resolve(run) }, containing: [run, "no usable best or last checkpoint"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(scratch!)/x.safetensors"))
        assertThrows({ try RunCheckpoints(runDirectory: self.scratch!) }, containing: [scratch!, "not a run directory"])
    }

    func testExportIsTheModelsStateDict() throws {
        let run = "\(directory!)/run"
        let model = try DetectionModel(definition: ModelDefinition(contentsOf: "\(directory!)/model.yaml"))
        let reference = model.state.namedTensors()
        // By default the EMA weights, as YOLOv5's best.pt holds them.
        let byDefault = try WeightsExport.export(runDirectory: run, weights: .emaWhenPresent, to: "\(scratch!)/default.safetensors")
        XCTAssertTrue(byDefault.isEMA)
        XCTAssertTrue(byDefault.source.hasSuffix("/step-000000004/ema.safetensors"), byDefault.source)
        for ema in [false, true] {
            let out = "\(scratch!)/weights-\(ema).safetensors"
            let exported = try WeightsExport.export(runDirectory: run, weights: ema ? .ema : .raw, to: out)
            XCTAssertEqual(exported.isEMA, ema)
            XCTAssertEqual(exported.checkpoint, "step-000000004")
            XCTAssertEqual(FileManager.default.contents(atPath: out), FileManager.default.contents(atPath: exported.source))
            let file = try SafeTensorsFile(contentsOf: out)
            XCTAssertEqual(file.names.sorted(), reference.map(\.name).sorted())
            for tensor in reference {
                let info = try file.info(tensor.name)
                XCTAssertEqual(info.shape, tensor.shape, tensor.name)
                XCTAssertEqual(info.dtype, tensor.name.hasSuffix("num_batches_tracked") ? .i64 : .f32, tensor.name)
            }
            try model.state.load(from: out)
        }
        let best = try XCTUnwrap(try? FileManager.default.destinationOfSymbolicLink(atPath: "\(run)/checkpoints/best"))
        XCTAssertEqual(try WeightsExport.export(runDirectory: run, checkpoint: "best", weights: .ema, to: "\(scratch!)/best.safetensors").checkpoint, best)
        assertThrows({ try WeightsExport.export(runDirectory: run, checkpoint: "step-9", weights: .ema, to: "\(self.scratch!)/x.safetensors") },
                     containing: ["\(run)/checkpoints/step-9", "no such checkpoint"])
    }

    /// PyTorch reads the export with load_state_dict(strict=True) into a module with the model's names, shapes and dtypes.
    func testExportLoadsInPyTorch() throws {
        try TestTools.requirePython(["torch", "safetensors"])
        let out = "\(scratch!)/weights.safetensors"
        _ = try WeightsExport.export(runDirectory: "\(directory!)/run", weights: .ema, to: out)
        let model = try DetectionModel(definition: ModelDefinition(contentsOf: "\(directory!)/model.yaml"))
        let spec = model.state.entries.map { ["name": $0.name, "shape": $0.shape, "kind": $0.kind.isParameter ? "parameter" : ($0.kind == .counter ? "counter" : "buffer")] }
        try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: "\(scratch!)/spec.json"))
        let script = """
        import json, sys, torch
        from safetensors.torch import load_file
        state = load_file(sys.argv[1])
        root = torch.nn.Module()
        for entry in json.load(open(sys.argv[2])):
            *path, leaf = entry['name'].split('.')
            module = root
            for part in path:
                if not hasattr(module, part): module.add_module(part, torch.nn.Module())
                module = getattr(module, part)
            if entry['kind'] == 'parameter': module.register_parameter(leaf, torch.nn.Parameter(torch.zeros(entry['shape'])))
            else: module.register_buffer(leaf, torch.zeros(entry['shape'], dtype=torch.int64 if entry['kind'] == 'counter' else torch.float32))
        root.load_state_dict(state, strict=True)
        assert all(torch.equal(v, state[k]) and v.dtype == state[k].dtype for k, v in root.state_dict().items())
        """
        let errors = try runPython(["-c", script, out, "\(scratch!)/spec.json"])
        XCTAssertNil(errors, "PyTorch could not load \(out) strictly: \(errors ?? "")")
    }

    /// Runs the test environment's Python; nil when it succeeds, else what it printed on stderr.
    private func runPython(_ arguments: [String]) throws -> String? {
        let result = try TestTools.run(TestTools.python, arguments)
        return result.status == 0 ? nil : result.errors
    }

    /// A run directory as --weights: the best checkpoint's EMA weights, with the class count taken from them.
    func testDetectorLoadsRunDirectoryWeights() throws {
        let run = "\(directory!)/run"
        let best = try FileManager.default.destinationOfSymbolicLink(atPath: "\(run)/checkpoints/best")
        let weights = try WeightsLocation.resolve(run)
        XCTAssertEqual(weights, "\(run)/checkpoints/\(best)/ema.safetensors")
        let eightyClasses = "\(scratch!)/nc80.yaml"
        try SyntheticRun.tinyDetector.replacingOccurrences(of: "nc: 2", with: "nc: 80").write(toFile: eightyClasses, atomically: true, encoding: .utf8)
        let detector = try Detector(modelFile: eightyClasses, weightsFile: weights, imageSize: 64)
        XCTAssertEqual(detector.classCount, 2)
        let image = Image(width: 96, height: 48, format: .rgb, filledWith: 128)
        var options = NMSOptions()
        options.confidenceThreshold = 0
        let found = try detector.detect(image, options: options)
        XCTAssertTrue(found.boxes.allSatisfy { $0.x2 <= 96 && $0.y2 <= 48 && (0..<2).contains($0.classIndex) })
    }

    /// A run directory keeps the model file and class names it trained with, so `spd detect --weights RUN_DIR` needs
    /// neither --cfg nor a names file.
    func testARunDirectoryRecordsItsModelAndClassNames() throws {
        let run = "\(directory!)/run"
        XCTAssertEqual(WeightsLocation.modelFile(ofRun: run), "\(run)/model.yaml")
        XCTAssertEqual(try String(contentsOfFile: "\(run)/model.yaml", encoding: .utf8), SyntheticRun.tinyDetector)
        let namesFile = try XCTUnwrap(WeightsLocation.classNamesFile(ofRun: run))
        XCTAssertEqual(try String(contentsOfFile: namesFile, encoding: .utf8), "red\nblue\n")
        XCTAssertEqual(try ClassNames.load(namesFile: namesFile, datasetDirectory: nil, classCount: 2), ["red", "blue"])
        let detector = try Detector(modelFile: try XCTUnwrap(WeightsLocation.modelFile(ofRun: run)), weightsFile: try WeightsLocation.resolve(run), imageSize: 64)
        XCTAssertEqual(detector.classCount, 2)
        // A weights file, or a directory that is no run, records nothing.
        XCTAssertNil(WeightsLocation.modelFile(ofRun: try WeightsLocation.resolve(run)))
        XCTAssertNil(WeightsLocation.classNamesFile(ofRun: scratch!))
    }
}
