import Models
import Tensor
import XCTest
import Support

/// The whole graph's backward (routing through C3, SPPF, Concat, Upsample, SPD, repeated rows and the Detect
/// head, with gradients from several consumers added) against finite differences of the forward pass.
final class ModelGradientTests: XCTestCase {
    static let tinyModel = """
    nc: 2
    depth_multiple: 1.0
    width_multiple: 1.0
    anchors:
      - [10,13, 16,30, 33,23]
      - [30,61, 62,45, 59,119]
    backbone:
      [[-1, 1, Focus, [4, 3]],
       [-1, 1, Conv, [8, 3, 1]],
       [-1,1,space_to_depth,[1]],
       [-1, 2, C3, [8]],
       [-1, 1, Conv, [8, 3, 2]],
       [-1, 1, SPPF, [8, 5]],
      ]
    head:
      [[-1, 1, Conv, [8, 1, 1]],
       [-1, 1, nn.Upsample, [None, 2, 'nearest']],
       [[-1, 3], 1, Concat, [1]],
       [-1, 1, C3, [8, False]],
       [-1, 2, Bottleneck, [8]],
       [[10, 5], 1, Detect, [nc, anchors]],
      ]
    """

    func testParameterGradientsMatchFiniteDifferences() throws {
        let model = try DetectionModel(definition: ModelDefinition(yaml: Self.tinyModel, file: "tiny.yaml"), seed: 3)
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
