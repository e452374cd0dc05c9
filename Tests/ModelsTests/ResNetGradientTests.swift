import Models
import Tensor
import XCTest
import Support

/// The ResNets' backward (SPD stem, SPD and strided blocks, projection and identity shortcuts, residual ReLU,
/// pooling and fc) against central differences of the Float forward, in training mode.
final class ResNetGradientTests: XCTestCase {
    /// Checks the largest-gradient element and the first element of every parameter tensor,
    /// for the loss sum(logits * upstream) on a random batch [2, side, side, 3]. Returns the number of elements checked.
    private func checkGradients(_ definition: ResNetDefinition, side: Int) throws -> Int {
        let model = try ClassificationModel(definition: definition, seed: 3)
        var random = SeededGenerator(seed: 9)
        let images = Tensor(TensorShape(n: 2, h: side, w: side, c: 3), values: (0..<2 * side * side * 3).map { _ in random.uniform(0, 1) })
        let upstream = Tensor(TensorShape(n: 2, h: 1, w: 1, c: definition.classes),
                              values: (0..<2 * definition.classes).map { _ in random.uniform(-1, 1) })
        func loss() throws -> Double {
            zip(try model.forward(images, training: true).values, upstream.values).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        _ = try loss()
        model.state.zeroGradients()
        model.backward(upstream)
        return try checkParameterGradients(model.state, step: 1e-3, label: "\(definition.name) ", loss: loss)
    }

    func testResNet18SPDGradientsMatchFiniteDifferences() throws {
        XCTAssertGreaterThan(try checkGradients(.resnet18(spd: true, classes: 3), side: 32), 100)
    }

    /// ResNet-50-SPD's blocks in a shallower stack ([2, 1, 1, 1]: the full 16-block model at init is too curved for
    /// float central differences): SPD stem, a BottleNeck with a stride-1 projection, one with the identity,
    /// SPD BottleNecks with strided shortcuts, and the classifier.
    func testSPDBottleneckGradientsMatchFiniteDifferences() throws {
        let definition = ResNetDefinition(name: "bottleneck-spd-2111", block: .bottleneck, layers: [2, 1, 1, 1], spd: true, classes: 3)
        XCTAssertGreaterThan(try checkGradients(definition, side: 32), 100)
    }

    /// The baseline's 3x3 stem and stride-2 convs.
    func testResNet18GradientsMatchFiniteDifferences() throws {
        XCTAssertGreaterThan(try checkGradients(.resnet18(spd: false, classes: 3), side: 16), 100)
    }

    /// Backward reports gradient-arena prefixes as they become final: growing, starting with fc, ending with all,
    /// and nothing beyond a reported prefix written yet.
    func testBackwardReportsFinishedGradientPrefixes() throws {
        let model = try ClassificationModel(definition: .resnet18(spd: true, classes: 4))
        var random = SeededGenerator(seed: 1)
        let images = Tensor(TensorShape(n: 2, h: 32, w: 32, c: 3), values: (0..<2 * 32 * 32 * 3).map { _ in random.uniform(0, 1) })
        let logits = try model.forward(images, training: true)
        model.state.zeroGradients()
        var reported: [Int] = []
        let gradients = model.state.gradientBuffer
        model.backward(Tensor(logits.shape, values: [Float](repeating: 1, count: logits.count))) { ready in
            reported.append(ready)
            XCTAssertTrue(gradients[ready...].allSatisfy { $0 == 0 }, "gradients beyond \(ready) written early")
        }
        XCTAssertEqual(reported.first, 4 * 512 + 4)
        XCTAssertEqual(reported.last, model.state.parameterCount)
        XCTAssertEqual(reported, reported.sorted())
        XCTAssertEqual(reported.count, 1 + 8 + 1)
    }
}
