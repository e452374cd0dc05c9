import Models
import Support
import TestSupport
import XCTest

/// Model files a careless or hostile user might write: each is refused with a message naming the file, the row and
/// the bound, before anything is allocated (the Models module is built with -Ounchecked, so these checks are what
/// keeps its loops in bounds).
final class HostileModelFileTests: XCTestCase {
    private var tinySPD: String!

    override func setUpWithError() throws {
        tinySPD = try String(contentsOf: TestFixtures.repositoryRoot.appendingPathComponent("configs/models/tiny-spd.yaml"), encoding: .utf8)
    }

    /// tiny-spd.yaml with `original` replaced by `replacement`, built; the error text, or nil when it builds.
    private func buildError(_ original: String, _ replacement: String, classes: Int? = nil) throws -> String? {
        XCTAssertTrue(tinySPD.contains(original), original)
        let yaml = tinySPD.replacingOccurrences(of: original, with: replacement)
        do {
            _ = try DetectionModel(definition: ModelDefinition(yaml: yaml, file: "bad.yaml"), classes: classes)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testRowValuesOutsideTheirBounds() throws {
        let conv = "[-1, 1, Conv, [16, 3, 1]]"
        let cases: [(String, String, String)] = [
            (conv, "[-1, 1, Conv, [0, 3, 1]]", "bad.yaml: row 1: Conv width 0 must be from 1 to 65536"),
            (conv, "[-1, 1, Conv, [-16, 3, 1]]", "bad.yaml: row 1: Conv width -16 must be from 1 to 65536"),
            (conv, "[-1, 1, Conv, [4000000000, 3, 1]]", "bad.yaml: row 1: Conv width 4000000000 must be from 1 to 65536"),
            (conv, "[-1, 1, Conv, [16, 0, 1]]", "bad.yaml: row 1: Conv kernel 0 must be from 1 to 31"),
            (conv, "[-1, 1, Conv, [16, 100001, 1]]", "bad.yaml: row 1: Conv kernel 100001 must be from 1 to 31"),
            (conv, "[-1, 1, Conv, [16, 3, 0]]", "bad.yaml: row 1: Conv stride 0 must be from 1 to 64"),
            (conv, "[-1, 1, Conv, [16, 3, 1000000000]]", "bad.yaml: row 1: Conv stride 1000000000 must be from 1 to 64"),
            (conv, "[-1, 1, Conv, [16, 3, 1, -5]]", "bad.yaml: row 1: Conv padding -5 must be from 0 to the kernel 3"),
            (conv, "[-1, 12, Conv, [16, 3, 2]]", "bad.yaml: row 1: the input would be downsampled more than 4096 times"),
            (conv, "[-1, 1, nn.Upsample, [None, 2, 'nearest']], [-1, 1, nn.Upsample, [None, 2, 'nearest']]",
             "bad.yaml: row 2: nn.Upsample would make its input finer than the image"),
            ("[-1, 1, C3, [16]]", "[-1, 100000000, C3, [16]]", "bad.yaml: backbone row 3: 'number' must be an integer from 1 to 1000"),
            ("SPPF, [32, 5]", "SPPF, [32, 4]", "bad.yaml: row 6: SPPF kernel 4 must be odd and from 1 to 31"),
            ("Focus, [8, 3]", "Focus, [8, 0]", "bad.yaml: row 0: Focus kernel 0 must be from 1 to 31"),
            ("[-1, 1, space_to_depth, [1]],\n   [-1, 1, C3, [16]]", "[-1, 3, space_to_depth, [1]],\n   [-1, 1, C3, [16]]",
             "bad.yaml: row 2: space_to_depth cannot repeat"),
            ("- [30,61, 62,45, 59,119]", "- [30,61, 62,45]", "bad.yaml: anchors level 1 has 2 anchors, level 0 has 3: every level needs the same number"),
            ("- [30,61, 62,45, 59,119]", "- [30,61, 62,-45, 59,119]", "bad.yaml: anchors level 1 must hold positive finite sizes, got [30, 61, 62, -45, 59, 119]"),
            ("depth_multiple: 1.0", "depth_multiple: 1e300", "bad.yaml: 'depth_multiple' must be a number above 0 and at most 64"),
            ("width_multiple: 1.0", "width_multiple: 1e300", "bad.yaml: 'width_multiple' must be a number above 0 and at most 64"),
            ("nc: 2", "nc: 0", "bad.yaml: 'nc' must be an integer from 1 to 1000000"),
        ]
        for (original, replacement, expected) in cases {
            XCTAssertEqual(try buildError(original, replacement), expected, replacement)
        }
        XCTAssertEqual(try buildError("nc: 2", "nc: 2", classes: 0), "bad.yaml: the number of classes must be from 1 to 1000000, got 0")
        XCTAssertEqual(try buildError("nc: 2", "nc: 2", classes: Int.max), "bad.yaml: the number of classes must be from 1 to 1000000, got \(Int.max)")
    }

    /// Widths that are each allowed but together need more than 2^31 parameters stop at the row that crosses it,
    /// before the arena is allocated.
    func testParameterBudgetNamesTheRow() throws {
        let error = try buildError("[-1, 1, Conv, [32, 3, 1]]", "[-1, 2, Conv, [65536, 7, 1]]")
        XCTAssertEqual(error, "bad.yaml: model.4.1.conv.weight takes the model past 2147483648 parameters and buffers (8 GiB of float32), "
                       + "the most a model may have; its widths, kernels or repeats are too large")
    }

    /// Image sizes and batches are checked against the stride and this machine's memory before a forward pass.
    func testImageSizeAndMemoryAreCheckedBeforeAForwardPass() throws {
        let model = try DetectionModel(definition: ModelDefinition(yaml: tinySPD, file: "tiny.yaml"))
        for size in [0, -8, 33, ModelLimits.maximumImageSize + 8] {
            XCTAssertThrowsError(try model.checkFits(imageSize: size, batch: 1, training: true)) {
                XCTAssertEqual("\($0)", "tiny.yaml: image size \(size) must be a positive multiple of the model's stride 8, at most 32768")
            }
        }
        XCTAssertThrowsError(try model.checkFits(imageSize: 64, batch: 0, training: true)) { XCTAssertEqual("\($0)", "tiny.yaml: batch 0 must be at least 1") }
        XCTAssertNoThrow(try model.checkFits(imageSize: 64, batch: 16, training: true))
        let memory = try XCTUnwrap(ModelLimits.physicalMemory)
        XCTAssertThrowsError(try model.checkFits(imageSize: 32768, batch: 1, training: true)) { error in
            XCTAssertTrue("\(error)".hasPrefix("tiny.yaml: batch 1 at 32768x32768 needs about 316.0 GiB for activations (row 1 (Conv) alone 64.0 GiB), more than this machine's "),
                          "\(error) (memory \(memory))")
        }
        XCTAssertThrowsError(try model.checkFits(imageSize: 8192, batch: Int.max, training: true)) { XCTAssertTrue("\($0)".contains("GiB for activations"), "\($0)") }
    }

    func testResNetFilesAndClassCounts() throws {
        func resnetError(_ yaml: String) -> String? {
            do { _ = try ClassificationModel(definition: ResNetDefinition(yaml: yaml, file: "r.yaml")); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(resnetError("family: resnet\nblock: basic\nlayers: [2, 2, 2, 1000000]\nspd: true\nclasses: 10\n"),
                       "r.yaml: 'layers' must list 4 block counts from 1 to 1000 (conv2_x..conv5_x), got [2, 2, 2, 1000000]")
        XCTAssertEqual(resnetError("family: resnet\nblock: basic\nlayers: [2, 2, 2, 2]\nspd: true\nclasses: -3\n"),
                       "r.yaml: 'classes' must be an integer from 1 to 1000000, got -3")
        XCTAssertEqual(resnetError("family: resnet\nblock: bottleneck\nlayers: [1000, 1000, 1000, 1000]\nspd: true\nclasses: 10\n"),
                       "r.yaml: conv5_x.149.residual_function.3.weight takes the model past 2147483648 parameters and buffers (8 GiB of float32), "
                       + "the most a model may have; its widths, kernels or repeats are too large")
        let model = try ClassificationModel(definition: .resnet18(spd: true, classes: 10))
        XCTAssertThrowsError(try model.checkFits(imageSize: 40, batch: 1, training: true)) {
            XCTAssertEqual("\($0)", "resnet18-spd: image size 40 must be a positive multiple of 16, at most 32768")
        }
        XCTAssertThrowsError(try ClassificationModel(definition: .resnet18(spd: true, classes: 10), classes: 0)) {
            XCTAssertEqual("\($0)", "resnet18-spd: the number of classes must be from 1 to 1000000, got 0")
        }
    }
}
