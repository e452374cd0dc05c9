import Models
import XCTest

/// `spd model summary` for ResNets: the table's rows cover every parameter and the totals match the reference counts.
final class ResNetSummaryTests: XCTestCase {
    private func summary(_ definition: ResNetDefinition) throws -> ResNetSummary {
        try ResNetSummary(model: ClassificationModel(definition: definition), imageSize: 32)
    }

    func testTotalsMatchTheReferenceCountsAndRowsSumToThem() throws {
        let cases: [(ResNetDefinition, Int)] = [
            (.resnet18(spd: true, classes: 200), 20_565_576), (.resnet18(spd: false, classes: 200), 11_271_432),
            (.resnet50(spd: true, classes: 100), 27_838_436), (.resnet50(spd: false, classes: 100), 23_705_252),
        ]
        for (definition, expected) in cases {
            let table = try summary(definition)
            XCTAssertEqual(table.model.state.parameterCount, expected, definition.name)
            XCTAssertEqual(table.rows.map(\.parameters).reduce(0, +), expected, definition.name)
            XCTAssertEqual(table.rows.count, definition.layers.reduce(2, +), "stem + blocks + classifier")
            XCTAssertTrue(table.rendered.contains("\(expected) parameters"), definition.name)
        }
    }

    func testRowsNameEachLayerWithItsShape() throws {
        let table = try summary(.resnet18(spd: true, classes: 10))
        XCTAssertEqual(table.rows.map(\.name), ["conv1", "conv2_x.0", "conv2_x.1", "conv3_x.0", "conv3_x.1", "conv4_x.0", "conv4_x.1",
                                                "conv5_x.0", "conv5_x.1", "fc"])
        XCTAssertEqual(table.rows.map(\.module), ["Focus", "BasicBlock", "BasicBlock", "BasicBlock-SPD", "BasicBlock", "BasicBlock-SPD", "BasicBlock",
                                                  "BasicBlock-SPD", "BasicBlock", "AvgPool+Linear"])
        let shapes = table.rows.map { "\($0.outputShape.c)x\($0.outputShape.h)x\($0.outputShape.w)" }
        XCTAssertEqual(shapes, ["64x16x16", "64x16x16", "64x16x16", "128x8x8", "128x8x8", "256x4x4", "256x4x4", "512x2x2", "512x2x2", "10x1x1"])
        XCTAssertGreaterThan(table.gflops, 0)
    }
}
