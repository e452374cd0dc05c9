import Foundation
import XCTest

/// Paths of the repository and of ../shared, and a check that a test's inputs exist.
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let photos = shared.appendingPathComponent("fixtures/coco-labelme-voc/JPEGImages").path
    static let goldenWeights = shared.appendingPathComponent("reference/yolov5-spd-n/weights_seed0.safetensors").path

    static func modelFile(_ name: String) -> String { repositoryRoot.appendingPathComponent("configs/models/\(name).yaml").path }

    /// Skips the test when ../shared (the fixture photos and the golden YOLOv5-SPD-n weights) is absent.
    static func requireShared() throws {
        for path in [photos, goldenWeights] where !FileManager.default.fileExists(atPath: path) {
            throw XCTSkip("\(path) is absent: ../shared with the fixture photos and golden weights is needed")
        }
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spd-inference-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Asserts that `body` throws an error whose description contains every one of `parts`.
func assertThrows(_ body: () throws -> Any, containing parts: [String], file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("no error; expected one containing \(parts)", file: file, line: line)
    } catch {
        let message = "\(error)"
        for part in parts { XCTAssertTrue(message.contains(part), "'\(message)' does not contain '\(part)'", file: file, line: line) }
    }
}
