import XCTest
@testable import TensorFiles

/// The state-dict comparison behind `spd checkpoint compare` and the data-parallel equivalence tests.
final class WeightsComparisonTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory = nil }

    private func file(_ name: String, w: [Float], bias: [Float], steps: Int64 = 1) throws -> SafeTensorsFile {
        let path = directory.file("\(name).safetensors")
        try SafeTensorsWriter.write(tensors: [
            NamedTensor(name: "conv.weight", shape: [2, 2], floats: w),
            NamedTensor(name: "bn.bias", shape: [2], floats: bias),
            NamedTensor(name: "bn.num_batches_tracked", shape: [], int64s: [steps]),
        ], to: path)
        return try SafeTensorsFile(contentsOf: path)
    }

    func testWeightsAreComparedRelativeToTheirNormOrOne() throws {
        let a = try file("a", w: [3, 4, 0, 0], bias: [0, 0]), b = try file("b", w: [3, 4, 0, 0.5], bias: [0.001, 0], steps: 7)
        let comparison = try WeightsComparison(a, b)
        XCTAssertEqual(comparison.rows.map(\.name), ["conv.weight", "bn.bias"], "integer tensors are left out")
        XCTAssertEqual(comparison.rows[0].difference, 0.5 / 5, accuracy: 1e-12)
        XCTAssertEqual(comparison.rows[1].difference, 0.001, accuracy: 1e-9, "a norm below 1 counts as 1")
        XCTAssertEqual(comparison.largest?.name, "conv.weight")
        XCTAssertEqual(comparison.exceeding(0.01).map(\.name), ["conv.weight"])
        XCTAssertEqual(comparison.exceeding(0.2), [])
    }

    func testUpdatesAreComparedRelativeToTheUpdate() throws {
        let start = try file("i", w: [1, 1, 1, 1], bias: [5, 5])
        let a = try file("a", w: [1, 1, 1, 1.1], bias: [5, 5]), b = try file("b", w: [1, 1, 1, 1.101], bias: [5, 5.00001])
        let comparison = try WeightsComparison(a, b, from: start)
        XCTAssertEqual(comparison.rows[0].difference, Double(Float(1.101) - Float(1.1)) / Double(Float(1.1) - 1), accuracy: 1e-9)
        XCTAssertEqual(comparison.rows[1].difference, Double(Float(5.00001) - 5) / (50 as Double).squareRoot(), accuracy: 1e-12,
                       "a tensor the first run did not move is measured against its norm")
        XCTAssertEqual(comparison.exceeding(0.005).map(\.name), ["conv.weight"])
    }

    func testDifferentTensorsOrShapesAreErrorsNamingTheFiles() throws {
        let a = try file("a", w: [1, 1, 1, 1], bias: [0, 0])
        let other = directory.file("other.safetensors")
        try SafeTensorsWriter.write(tensors: [NamedTensor(name: "conv.weight", shape: [4], floats: [1, 1, 1, 1])], to: other)
        XCTAssertThrowsError(try WeightsComparison(a, SafeTensorsFile(contentsOf: other))) { error in
            XCTAssertTrue("\(error)".contains("\(other) hold different tensors") && "\(error)".contains("bn.bias"), "\(error)")
        }
        let reshaped = directory.file("reshaped.safetensors")
        try SafeTensorsWriter.write(tensors: [
            NamedTensor(name: "conv.weight", shape: [4], floats: [1, 1, 1, 1]), NamedTensor(name: "bn.bias", shape: [2], floats: [0, 0]),
            NamedTensor(name: "bn.num_batches_tracked", shape: [], int64s: [1]),
        ], to: reshaped)
        XCTAssertThrowsError(try WeightsComparison(a, SafeTensorsFile(contentsOf: reshaped))) { error in
            XCTAssertTrue("\(error)".contains("conv.weight: shape [2, 2]"), "\(error)")
        }
    }
}
