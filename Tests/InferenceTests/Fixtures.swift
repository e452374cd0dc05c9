import Foundation
import TestSupport
import XCTest

/// Paths of the repository and of its fixtures (Tests/Fixtures), and a check that a test's inputs exist.
enum Fixtures {
    static let repositoryRoot = TestFixtures.repositoryRoot
    static let photos = TestFixtures.directory.appendingPathComponent("coco-labelme-voc/JPEGImages").path
    static let goldenWeights = TestFixtures.directory.appendingPathComponent("reference/yolov5-spd-n/weights_seed0.safetensors").path

    static func modelFile(_ name: String) -> String { repositoryRoot.appendingPathComponent("configs/models/\(name).yaml").path }

    /// Fails the test when the fixture photos or the golden YOLOv5-SPD-n weights are absent from Tests/Fixtures.
    static func requireFixtures() throws {
        for path in [photos, goldenWeights] { _ = try TestFixtures.url(String(path.dropFirst(TestFixtures.directory.path.count + 1))) }
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
