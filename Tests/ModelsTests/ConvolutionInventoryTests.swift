import Models
import Tensor
import TestSupport
import XCTest

/// The convolution lists `spd bench ops` times: every conv weight of the model, once, with the input shape it ran on.
final class ConvolutionInventoryTests: XCTestCase {
    /// Module names of the 4-D (conv) weights in the state_dict.
    private func convolutionWeightModules(_ state: ModelState) -> [String] {
        state.entries.filter { $0.kind.isParameter && $0.shape.count == 4 }.map { String($0.name.dropLast(".weight".count)) }
    }

    /// The listed convolutions are the state_dict's conv modules, each once.
    private func assertListsEveryConvolutionOnce(_ convolutions: [ConvolutionShape], of state: ModelState, _ model: String) {
        let listed = convolutions.map(\.name)
        XCTAssertEqual(listed.count, Set(listed).count, "\(model): a convolution listed twice")
        XCTAssertEqual(Set(listed), Set(convolutionWeightModules(state)), model)
    }

    func testEveryConvolutionOfEveryModelFamilyIsListedOnceUnderItsModuleName() throws {
        for name in ["yolov5-spd-n", "yolov5-n", "tiny-spd"] {
            let model = try DetectionModel(definition: ModelDefinition(contentsOf: modelFile(name)))
            _ = try model.forward(Tensor(TensorShape(n: 1, h: 64, w: 64, c: 3)), training: true)
            assertListsEveryConvolutionOnce(model.convolutions, of: model.state, name)
        }
        for name in ["resnet18-spd", "resnet18", "resnet50-spd"] {
            let model = try ClassificationModel(definition: ResNetDefinition(contentsOf: modelFile(name)))
            _ = try model.forward(Tensor(TensorShape(n: 1, h: 32, w: 32, c: 3)), training: true)
            assertListsEveryConvolutionOnce(model.convolutions, of: model.state, name)
        }
    }

    func testResNetSPDConvolutionsCarryTheShapesTheyRanOn() throws {
        let model = try ClassificationModel(definition: ResNetDefinition(contentsOf: modelFile("resnet18-spd")))
        _ = try model.forward(Tensor(TensorShape(n: 2, h: 64, w: 64, c: 3)), training: true)
        let convolutions = model.convolutions
        XCTAssertEqual(convolutions.count, 20)  // stem + 2 x 2 in conv2_x + (SPD conv, 3x3, shortcut, 2 x 3x3) in conv3_x..conv5_x
        XCTAssertEqual(convolutions.first?.name, "conv1.conv.conv")
        XCTAssertEqual(convolutions.first?.inputShape, TensorShape(n: 2, h: 32, w: 32, c: 12))
        func named(_ name: String) throws -> ConvolutionShape { try XCTUnwrap(convolutions.first { $0.name == name }, name) }
        let spdConv = try named("conv3_x.0.residual_function.0")
        XCTAssertEqual(spdConv.inputShape, TensorShape(n: 2, h: 32, w: 32, c: 64))
        XCTAssertEqual(spdConv.geometry, ConvGeometry(inChannels: 64, outChannels: 128, kernel: 3))
        let afterSPD = try named("conv3_x.0.residual_function.4")
        XCTAssertEqual(afterSPD.inputShape, TensorShape(n: 2, h: 16, w: 16, c: 512))
        XCTAssertEqual(afterSPD.geometry, ConvGeometry(inChannels: 512, outChannels: 128, kernel: 3))
        let shortcut = try named("conv3_x.0.shortcut.0")
        XCTAssertEqual(shortcut.geometry, ConvGeometry(inChannels: 64, outChannels: 128, kernel: 1, stride: 2))
        XCTAssertFalse(convolutions.contains { $0.hasBias })
    }
}
