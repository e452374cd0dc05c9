import Models
import Tensor
import XCTest
import Support
import TestSupport

/// The whole graph's backward (routing through C3, SPPF, Concat, Upsample, SPD, repeated rows and the Detect
/// head, with gradients from several consumers added) against finite differences of the forward pass.
final class ModelGradientTests: XCTestCase {

    func testParameterGradientsMatchFiniteDifferences() throws {
        let model = try DetectionModel(definition: ModelDefinition(contentsOf: TestFixtures.path("models/gradient-check.yaml")), seed: 3)
        var random = SeededGenerator(seed: 9)
        let images = Tensor(TensorShape(n: 2, h: 16, w: 24, c: 3), values: (0..<2 * 16 * 24 * 3).map { _ in random.uniform(0, 1) })
        let levels = try model.forward(images, training: true)
        let upstream = levels.map { level in Tensor(level.shape, values: (0..<level.count).map { _ in random.uniform(-1, 1) }) }
        func loss() throws -> Double {
            let out = try model.forward(images, training: true)
            return zip(out, upstream).reduce(0) { total, pair in
                zip(pair.0.values, pair.1.values).reduce(total) { $0 + Double($1.0) * Double($1.1) }
            }
        }
        _ = try loss()
        model.state.zeroGradients()
        model.backward(upstream)
        let checked = try checkParameterGradients(model.state, step: 2e-3, label: "", loss: loss)
        XCTAssertGreaterThan(checked, 80)
    }
}
