import Support
import XCTest

/// The generator's derived draws: normal, Gamma and Beta (YOLOv5's mixup ratio), checked by their moments.
final class SeededGeneratorTests: XCTestCase {
    func testBetaDrawsHaveTheMomentsOfBeta32_32() {
        var random = SeededGenerator(seed: 11)
        let draws = (0..<40_000).map { _ in random.beta(32, 32) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count - 1)
        // Beta(a, b): mean a / (a + b) = 0.5, variance ab / ((a + b)^2 (a + b + 1)) = 1 / 260.
        XCTAssertEqual(mean, 0.5, accuracy: 0.002)
        XCTAssertEqual(variance, 1.0 / 260, accuracy: 0.05 / 260)
        XCTAssertTrue(draws.allSatisfy { $0 > 0 && $0 < 1 })
    }

    func testGammaAndNormalMoments() {
        var random = SeededGenerator(seed: 12)
        let gammas = (0..<40_000).map { _ in random.gamma(shape: 3) }
        XCTAssertEqual(gammas.reduce(0, +) / 40_000, 3, accuracy: 0.05, "Gamma(3, 1) has mean 3")
        let normals = (0..<40_000).map { _ in random.normal() }
        let mean = normals.reduce(0, +) / 40_000
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(normals.map { $0 * $0 }.reduce(0, +) / 40_000, 1, accuracy: 0.03)
    }
}
