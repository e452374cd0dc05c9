import Evaluation
import Foundation
import TestSupport
import XCTest

/// Runs the reference, pycocotools, from the virtual environment `.build/pyenv` in the repository (cluster/test
/// creates it with `python3 -m venv .build/pyenv && .build/pyenv/bin/pip install pycocotools numpy`).
enum Pycocotools {
    static let python = TestTools.python

    /// What pycocotools reports for one ground truth and results file.
    struct Reference: Decodable {
        let stats: [Double]
        let lines: [String]
    }

    /// Evaluates every (instances file, results file) pair in one Python process. Skips the test when the
    /// environment or pycocotools is missing.
    static func evaluate(_ pairs: [(groundTruth: URL, detections: URL)], in directory: URL) throws -> [Reference] {
        try TestTools.requirePython(["pycocotools", "numpy"])
        let script = directory.appendingPathComponent("reference.py"), list = directory.appendingPathComponent("pairs.json")
        try Data(referenceScript.utf8).write(to: script)
        try JSONSerialization.data(withJSONObject: pairs.map { [$0.groundTruth.path, $0.detections.path] }).write(to: list)
        let result = try TestTools.run(python, [script.path, list.path])
        if result.status == 3 {
            throw TestTools.missing("pycocotools cannot be imported with \(python.path): \(result.errors.split(separator: "\n").last ?? "")")
        }
        guard result.status == 0 else { throw PycocotoolsFailure(message: result.errors) }
        return try JSONDecoder().decode([Reference].self, from: result.output)
    }

    private static let referenceScript = """
        import contextlib, io, json, sys
        try:
            from pycocotools.coco import COCO
            from pycocotools.cocoeval import COCOeval
        except Exception as error:
            print(repr(error), file=sys.stderr)
            sys.exit(3)
        results = []
        for gt_path, dt_path in json.load(open(sys.argv[1])):
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                gt = COCO(gt_path)
                evaluation = COCOeval(gt, gt.loadRes(dt_path), 'bbox')
                evaluation.evaluate()
                evaluation.accumulate()
                evaluation.summarize()
            lines = [line for line in printed.getvalue().splitlines() if line.startswith(' Average')]
            results.append({'stats': [float(value) for value in evaluation.stats], 'lines': lines})
        print(json.dumps(results))
        """
}

/// pycocotools failed on a case (a bug in the case generator, not a skip).
struct PycocotoolsFailure: Error {
    let message: String
}
