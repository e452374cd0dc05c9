import Models
import XCTest

/// Parameter counts and state_dicts (names, shapes, dtypes, in order) of the four ResNets against the
/// reference implementation's listings.
final class ResNetStateDictTests: XCTestCase {
    func testParameterCounts() throws {
        let cases: [(ResNetDefinition, Int)] = [
            (.resnet18(spd: true, classes: 200), 20_565_576),
            (.resnet18(spd: false, classes: 200), 11_271_432),
            (.resnet50(spd: true, classes: 100), 27_838_436),
            (.resnet50(spd: false, classes: 100), 23_705_252),
        ]
        for (definition, expected) in cases {
            XCTAssertEqual(try ClassificationModel(definition: definition).state.parameterCount, expected, definition.name)
        }
    }

    /// Each built-in definition and each model file against its listing.
    func testStateDictsEqualReference() throws {
        let cases: [(ResNetDefinition, String)] = [
            (.resnet18(spd: true, classes: 200), "resnet18-spd_200cls.txt"),
            (.resnet18(spd: false, classes: 200), "resnet18_200cls.txt"),
            (.resnet50(spd: true, classes: 100), "resnet50-spd_100cls.txt"),
            (.resnet50(spd: false, classes: 100), "resnet50_100cls.txt"),
        ]
        for (definition, listing) in cases {
            let reference = try referenceStateDict(listing)
            let fromFile = try ResNetDefinition(contentsOf: modelFile(definition.name))
            XCTAssertEqual(fromFile.file, modelFile(definition.name))
            XCTAssertEqual(fromFile.name, definition.name)
            for model in [try ClassificationModel(definition: definition), try ClassificationModel(definition: fromFile)] {
                let rows = model.state.stateDictRows
                XCTAssertEqual(rows.count, reference.rows.count, listing)
                for (index, (row, expected)) in zip(rows, reference.rows).enumerated() where row != expected {
                    XCTFail("\(listing) entry \(index): got \(row), expected \(expected)")
                    break
                }
                XCTAssertEqual(model.state.parameterCount, reference.parameterCount, listing)
            }
        }
    }

    func testClassCountOverride() throws {
        let model = try ClassificationModel(definition: .resnet18(spd: true, classes: 200), classes: 10)
        XCTAssertEqual(model.classes, 10)
        XCTAssertEqual(model.state.parameterCount, 20_565_576 - 190 * 513)
        XCTAssertEqual(model.state.entries.last?.shape, [10])
    }

    /// PyTorch's defaults: BN weight 1, bias 0, running var 1; conv and fc weights within 1/sqrt(fan_in); same seed, same weights.
    func testInitialisation() throws {
        let model = try ClassificationModel(definition: .resnet18(spd: true, classes: 10), seed: 4)
        let state = model.state
        func values(_ name: String) -> [Float] {
            let entry = state.entries.first { $0.name == name }!
            let base = entry.kind == .buffer ? state.bufferBuffer : state.parameterBuffer
            return Array(base[entry.offset..<(entry.offset + entry.count)])
        }
        XCTAssertEqual(Set(values("conv3_x.0.residual_function.2.weight")), [1])
        XCTAssertEqual(Set(values("conv3_x.0.residual_function.2.bias")), [0])
        XCTAssertEqual(Set(values("conv3_x.0.residual_function.2.running_var")), [1])
        let conv = values("conv3_x.0.residual_function.4.weight"), bound = 1 / Float(512 * 9).squareRoot()
        XCTAssertLessThanOrEqual(conv.map(abs).max()!, bound)
        XCTAssertGreaterThan(conv.map(abs).max()!, 0.99 * bound)
        let fcBias = values("fc.bias")
        XCTAssertLessThanOrEqual(fcBias.map(abs).max()!, 1 / Float(512).squareRoot())
        XCTAssertNotEqual(Set(fcBias).count, 1)
        let again = try ClassificationModel(definition: .resnet18(spd: true, classes: 10), seed: 4)
        XCTAssertEqual(Array(again.state.parameterBuffer), Array(state.parameterBuffer))
    }
}
