import Detection
import TestSupport
import XCTest

/// `nonMaxSuppression` against a brute-force reference on random predictions: per class, keep a box
/// unless a higher-scoring kept box of its class overlaps it by more than the threshold; then merge by score.
final class NMSReferenceTests: XCTestCase {
    private func referenceNMS(_ predictions: [Float], classCount: Int, confidence: Float, iou: Double,
                              multiLabel: Bool, maxDetections: Int) -> [DetectionBox] {
        let stride = 5 + classCount
        var candidates: [DetectionBox] = []
        for start in Swift.stride(from: 0, to: predictions.count, by: stride) where predictions[start + 4] > confidence {
            let p = Array(predictions[start..<start + stride])
            let scores = (0..<classCount).map { p[5 + $0] * p[4] }
            let labels = multiLabel ? scores.indices.filter { scores[$0] > confidence }
                                    : [scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }!]
                                        .filter { scores[$0] > confidence }
            for label in labels {
                candidates.append(DetectionBox(x1: p[0] - p[2] / 2, y1: p[1] - p[3] / 2, x2: p[0] + p[2] / 2, y2: p[1] + p[3] / 2,
                                               score: scores[label], classIndex: label))
            }
        }
        func overlap(_ a: DetectionBox, _ b: DetectionBox) -> Double {
            let w = max(0, Double(min(a.x2, b.x2)) - Double(max(a.x1, b.x1)))
            let h = max(0, Double(min(a.y2, b.y2)) - Double(max(a.y1, b.y1)))
            let areaA = Double(a.x2 - a.x1) * Double(a.y2 - a.y1), areaB = Double(b.x2 - b.x1) * Double(b.y2 - b.y1)
            return w * h / (areaA + areaB - w * h)
        }
        var kept: [(index: Int, box: DetectionBox)] = []
        for classIndex in 0..<classCount {
            let ofClass = candidates.enumerated().filter { $0.element.classIndex == classIndex }
                .sorted { $0.element.score > $1.element.score || ($0.element.score == $1.element.score && $0.offset < $1.offset) }
            var keptOfClass: [(Int, DetectionBox)] = []
            for (index, box) in ofClass where !keptOfClass.contains(where: { overlap($0.1, box) > iou }) {
                keptOfClass.append((index, box))
            }
            kept += keptOfClass.map { (index: $0.0, box: $0.1) }
        }
        kept.sort { $0.box.score > $1.box.score || ($0.box.score == $1.box.score && $0.index < $1.index) }
        return Array(kept.prefix(maxDetections).map(\.box))
    }

    func testMatchesBruteForceOnRandomPredictions() {
        var random = SeededRandom(seed: 20240601)
        for trial in 0..<40 {
            let classCount = trial % 4 + 1, count = 50 + trial * 10
            var predictions: [Float] = []
            for _ in 0..<count {
                predictions += [Float.random(in: 0..<640, using: &random), Float.random(in: 0..<640, using: &random),
                                Float.random(in: 4..<160, using: &random), Float.random(in: 4..<160, using: &random),
                                Float.random(in: 0..<1, using: &random)]
                predictions += (0..<classCount).map { _ in Float.random(in: 0..<1, using: &random) }
            }
            var options = NMSOptions()
            options.confidenceThreshold = trial % 3 == 0 ? 0.001 : 0.2
            options.iouThreshold = trial % 2 == 0 ? 0.45 : 0.6
            options.multiLabel = trial % 5 < 2
            options.maxDetections = trial % 7 == 0 ? 15 : 300
            let result = nonMaxSuppression(predictions, batchSize: 1, classCount: classCount, options: options)[0]
            let expected = referenceNMS(predictions, classCount: classCount, confidence: options.confidenceThreshold,
                                        iou: Double(options.iouThreshold), multiLabel: options.multiLabel,
                                        maxDetections: options.maxDetections)
            XCTAssertFalse(expected.isEmpty)
            XCTAssertEqual(result, expected, "trial \(trial)")
        }
    }
}
