import Models
import XCTest

final class ParameterCountTests: XCTestCase {
    private func build(_ name: String, classes: Int? = nil) throws -> DetectionModel {
        try DetectionModel(definition: ModelDefinition(contentsOf: modelFile(name)), classes: classes)
    }

    /// The reference implementation's model summary: yolov5-spd-n 2,256,157 parameters in 177 tensors (349 state_dict entries); yolov5n 1,872,157.
    func testNanoCountsEqualReference() throws {
        let spd = try build("yolov5-spd-n")
        XCTAssertEqual(spd.state.parameterCount, 2_256_157)
        XCTAssertEqual(spd.state.parameterTensorCount, 177)
        XCTAssertEqual(spd.state.entries.count, 349)
        XCTAssertEqual(try build("yolov5-n").state.parameterCount, 1_872_157)
    }

    /// The reference implementation's per-row table for yolov5-spd-n.
    func testNanoLayerTable() throws {
        let model = try build("yolov5-spd-n")
        XCTAssertEqual(model.rows.map(\.parameterCount), [
            1760, 4672, 0, 7872, 18560, 0, 41472, 73984, 0, 206080, 295424, 0, 493056, 164608, 33024, 0, 0, 90880, 8320, 0, 0,
            22912, 36992, 0, 0, 99072, 147712, 0, 0, 394752, 115005])
        XCTAssertEqual(model.rows.map(\.outputChannels), [
            16, 32, 128, 32, 64, 256, 64, 128, 512, 128, 256, 1024, 256, 256, 128, 128, 256, 128, 64, 64, 128, 64, 64, 256, 320, 128,
            128, 512, 640, 256, 255])
        XCTAssertEqual(model.rows[30].from, [21, 25, 29])
        XCTAssertEqual(model.rows[16].from, [15, 9])
        XCTAssertEqual(model.maximumStride, 32)
    }

    /// Published YOLOv5 v6.0 totals for the baselines (nc 80), and the SPD models' counts from the same rules
    /// (the paper reports about 8.7M, 24.6M and 52.7M). Each SPD model has exactly 384,000 x (width / 0.25)^2
    /// more parameters than its baseline, as the n pair (2,256,157 vs 1,872,157) does.
    func testLargerModels() throws {
        XCTAssertEqual(try build("yolov5-s").state.parameterCount, 7_235_389)
        XCTAssertEqual(try build("yolov5-m").state.parameterCount, 21_190_557)
        XCTAssertEqual(try build("yolov5-l").state.parameterCount, 46_563_709)
        let spd = try ["s", "m", "l"].map { try build("yolov5-spd-\($0)").state.parameterCount }
        XCTAssertEqual(spd, [8_771_389, 24_646_557, 52_707_709])
        XCTAssertEqual(zip(spd, [7_235_389, 21_190_557, 46_563_709]).map { $0 - $1 }, [4, 9, 16].map { $0 * 384_000 })
    }

    func testClassCountOverride() throws {
        // Detect has (64 + 128 + 256 + 3 biases) x 3 anchors x (nc + 5) parameters: nc 10 instead of 80 removes x 70.
        XCTAssertEqual(try build("yolov5-spd-n", classes: 10).state.parameterCount, 2_256_157 - (64 + 128 + 256 + 3) * 3 * 70)
    }

    func testDepthAndWidthRules() {
        XCTAssertEqual([3, 6, 9].map { scaledDepth($0, multiple: 0.33) }, [1, 2, 3])
        XCTAssertEqual([3, 6, 9].map { scaledDepth($0, multiple: 0.67) }, [2, 4, 6])
        XCTAssertEqual(scaledDepth(1, multiple: 0.33), 1)
        XCTAssertEqual(scaledDepth(3, multiple: 0.5), 2, "Python rounds 1.5 to 2 (half to even)")
        XCTAssertEqual(scaledDepth(5, multiple: 0.5), 2, "Python rounds 2.5 to 2 (half to even)")
        XCTAssertEqual([64, 128, 1024].map { scaledWidth($0, multiple: 0.25) }, [16, 32, 256])
        XCTAssertEqual(scaledWidth(1024, multiple: 0.75), 768)
        XCTAssertEqual(scaledWidth(100, multiple: 0.33), 40)
    }
}
