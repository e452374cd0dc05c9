import XCTest
@testable import Coordinator

final class SweepTests: XCTestCase {
    private func write(_ text: String, _ name: String, in directory: String) throws -> String {
        let path = "\(directory)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func base(in directory: String, extra: String = "") throws -> String {
        try write("model: tiny-spd\ndata: /nonexistent-data\nclasses: 2\nepochs: 1\nbatch: 4\nimgsz: 64\n\(extra)", "base.yaml", in: directory)
    }

    private func submission(_ directory: String, pool: Int? = nil) -> Submission {
        Submission(repositoryRoot: repositoryRoot, resolveModel: { name in name.hasSuffix(".yaml") ? name : "\(repositoryRoot)/configs/models/\(name).yaml" },
                   runsDirectory: "\(directory)/runs", workdir: directory, poolSlots: pool)
    }

    func testASweepExpandsModelsVariantsSeedsAndOverrides() throws {
        let directory = try temporaryDirectory(self)
        _ = try base(in: directory)
        let file = try write("""
            sweep:
              name: cmp
              base: base.yaml
              models: [n, s]
              variants: {spd: "yolov5-spd-{model}", strided: "yolov5-{model}"}
              seeds: [0, 1]
              set: {epochs: 3, milestones: [1, 2]}
              overrides: [{hyp.lr0: 0.01}, {hyp.lr0: 0.02}]
            """, "cmp.yaml", in: directory)
        let sweep = try SweepFile(contentsOf: file)
        XCTAssertEqual(sweep.plans.count, 16)
        XCTAssertEqual(sweep.plans.prefix(3).map(\.name), ["cmp-n-spd-s0-o0", "cmp-n-spd-s0-o1", "cmp-n-spd-s1-o0"])
        XCTAssertEqual(sweep.plans[4].name, "cmp-n-strided-s0-o0")
        XCTAssertEqual(sweep.plans[4].allSettings, ["name=cmp-n-strided-s0-o0", "model=yolov5-n", "seed=0", "epochs=3", "milestones=[1, 2]", "hyp.lr0=0.01"])
        // Each override set is a variant of its own in the report, across the seeds.
        XCTAssertEqual(sweep.plans.prefix(6).map(\.variant), ["spd hyp.lr0=0.01", "spd hyp.lr0=0.02", "spd hyp.lr0=0.01", "spd hyp.lr0=0.02",
                                                                "strided hyp.lr0=0.01", "strided hyp.lr0=0.02"])
        XCTAssertEqual(sweep.base, "\(directory)/base.yaml")
    }

    func testAPlainExperimentIsOneRun() throws {
        let directory = try temporaryDirectory(self)
        let runs = try submission(directory).runs(of: try base(in: directory, extra: "world_size: 2\n"), extraSettings: ["epochs=2"])
        XCTAssertEqual(runs.map(\.name), ["base"])
        XCTAssertEqual(runs[0].ranks, 2)
        XCTAssertEqual(runs[0].settings, ["name=base", "epochs=2"])
        XCTAssertEqual(runs[0].runDirectory, "\(directory)/runs/base")
    }

    func testTheShippedTinySweepExpandsToTwoRuns() throws {
        let directory = try temporaryDirectory(self)
        let runs = try submission(directory).runs(of: "\(repositoryRoot)/configs/experiments/tiny-sweep.yaml", extraSettings: ["classes=2"])
        XCTAssertEqual(runs.map(\.name), ["tiny-sweep-tiny-spd-s0", "tiny-sweep-tiny-strided-s0"])
        XCTAssertEqual(runs.map(\.model), ["tiny-spd", "tiny-strided"])
        XCTAssertEqual(runs.map(\.ranks), [1, 1])
        XCTAssertEqual(runs.map(\.variant), ["spd", "strided"])
    }

    func testRanksComeFromTheModelCostWhenNotGiven() throws {
        let directory = try temporaryDirectory(self)
        _ = try base(in: directory)
        let file = try write("sweep: {base: base.yaml, models: [tiny-spd], rank_gflops: 0.0001}\n", "s.yaml", in: directory)
        let runs = try submission(directory, pool: 3).runs(of: file, extraSettings: [])
        XCTAssertEqual(runs[0].ranks, 2, "many ranks wanted, at most the pool's 3, and 2 divides batch 4")
    }

    func testBadFilesAndUnknownModelsAreClearErrors() throws {
        let directory = try temporaryDirectory(self)
        _ = try base(in: directory)
        let cases: [(String, String)] = [
            ("sweep: {base: base.yaml, models: [n], colour: red}\n", "s.yaml: sweep.colour: unknown key"),
            ("sweep: {base: missing.yaml, models: [n]}\n", "s.yaml: sweep.base: no such experiment file"),
            ("sweep: {base: base.yaml}\n", "s.yaml: sweep.models: required"),
            ("sweep: {base: base.yaml, models: [n], seeds: [a]}\n", "s.yaml: sweep.seeds: expected a list of integers"),
            ("sweep: {base: base.yaml, models: [nope]}\n", "s.yaml: run s-nope: unknown model 'nope' (no file"),
            ("sweep: {base: base.yaml, models: [tiny-spd], set: {colour: red}}\n", "s.yaml: run s-tiny-spd: command line: unknown setting 'colour'"),
            ("sweep: {base: base.yaml, models: [tiny-spd], ranks: 4}\n", "s.yaml: run s-tiny-spd: needs 4 ranks but the pool has 2 slots"),
            ("sweep: {base: base.yaml, models: [tiny-spd], ranks: 3}\n", "s.yaml: run s-tiny-spd: the global batch 4 does not split over 3 ranks"),
            ("sweep: {base: base.yaml, models: [n], name: ../x}\n", "s.yaml: sweep.name: '../x' must be letters, digits, '.', '_' or '-'"),
            ("sweep: {base: base.yaml, models: [../../n]}\n", "s.yaml: sweep.models: '../../n' must be letters, digits"),
            ("sweep: {base: base.yaml, models: [n], variants: {\"a/b\": \"yolov5-{model}\"}}\n", "s.yaml: sweep.variants: 'a/b' must be letters, digits"),
            ("sweep: [1, 2\n", "s.yaml: not valid YAML"),
            ("- a\n", "s.yaml: expected a mapping"),
        ]
        for (text, expected) in cases {
            let file = try write(text, "s.yaml", in: directory)
            XCTAssertThrowsError(try submission(directory, pool: 2).runs(of: file, extraSettings: []), text) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(directory)/\(expected)"), "\(error)")
            }
        }
        XCTAssertThrowsError(try SweepFile(contentsOf: "\(directory)/none.yaml")) { XCTAssertEqual("\($0)", "\(directory)/none.yaml: no such file") }
    }
}
