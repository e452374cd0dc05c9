import Benchmarks
import TestSupport
import XCTest

/// `spd bench ops` on both model families: the conv table lists every distinct convolution and the step split adds up.
final class OpsBenchmarkTests: XCTestCase {
    private func report(_ model: String, imageSize: Int) throws -> String {
        let file = TestFixtures.repositoryRoot.appendingPathComponent("configs/models/\(model).yaml").path
        var lines: [String] = []
        try OpsBenchmark(modelFile: file, imageSize: imageSize, batch: 2, repeats: 1).run { lines.append($0) }
        return lines.joined(separator: "\n")
    }

    /// The rows of the conv table: (name, count).
    private func convolutionRows(_ report: String) -> [(String, Int)] {
        report.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // 14 columns, and the K >= 256 verdict when K is that large
            guard fields.count == 14 || fields.count == 15, let count = Int(fields[1]) else { return nil }
            return (String(fields[0]), count)
        }
    }

    func testTimesEveryConvolutionOfAResNetAndSplitsItsStep() throws {
        let text = try report("resnet18-spd", imageSize: 32)
        let rows = convolutionRows(text)
        // 20 convolutions; conv2_x's four 64 -> 64 3x3 run alike, as do the second 3x3 pairs of conv3_x..conv5_x.
        XCTAssertEqual(rows.map(\.1).reduce(0, +), 20, text)
        XCTAssertEqual(rows.first?.0, "conv1.conv.conv", text)
        XCTAssertTrue(rows.contains { $0 == ("conv2_x.0.residual_function.0", 4) }, text)
        XCTAssertTrue(rows.contains { $0 == ("conv5_x.0.shortcut.0", 1) }, text)
        XCTAssertTrue(text.contains("Training step without loss (forward + backward, batch 2, 32x32)"), text)
        XCTAssertTrue(text.contains("bf16 rounding (conv inputs, weights)"), text)
    }

    func testTimesADetector() throws {
        let text = try report("tiny-spd", imageSize: 64)
        let rows = convolutionRows(text)
        XCTAssertTrue(rows.contains { $0.0 == "model.0.conv.conv" }, text)
        XCTAssertTrue(rows.contains { $0.0.hasSuffix(".m.0") }, text)
        XCTAssertTrue(text.contains("Training step without loss (forward + backward, batch 2, 64x64)"), text)
    }

    func testAMissingModelFileIsNamed() {
        XCTAssertThrowsError(try OpsBenchmark(modelFile: "/nonexistent/m.yaml", imageSize: 32, batch: 1, repeats: 1).run { _ in }) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/m.yaml"), "\(error)")
        }
    }
}
