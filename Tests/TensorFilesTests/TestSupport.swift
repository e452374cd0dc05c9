import Foundation
import XCTest

/// A fresh directory under the system temporary directory, removed when the test finishes.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "/TensorFilesTests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String {
        path + "/" + name
    }

    /// The names of the entries in the directory, hidden ones (temporary files) included.
    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// The bytes of a safetensors file with the given header text and data buffer, no padding added.
func safetensorsBytes(header: String, data: [UInt8]) -> [UInt8] {
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init) + Array(header.utf8) + data
}

/// Asserts that `expression` throws an error whose description contains every one of `fragments`.
func assertThrows<Result>(
    _ expression: @autoclosure () throws -> Result, containing fragments: [String],
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try expression()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch {
        let message = "\(error)"
        for fragment in fragments {
            XCTAssertTrue(message.contains(fragment), "'\(message)' does not contain '\(fragment)'", file: file, line: line)
        }
    }
}
