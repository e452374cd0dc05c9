import XCTest
@testable import TensorFiles
#if canImport(Glibc)
import Glibc
#endif

/// A failed write leaves no temporary file behind and any existing file untouched.
final class AtomicWriteTests: XCTestCase {
    private let oldContents: [UInt8] = Array("old contents".utf8)

    func testWritingIntoAMissingDirectoryFailsAndLeavesNothing() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("missing/w.safetensors")
        assertThrows(try SafeTensorsWriter.write(tensors: [NamedTensor(name: "a", shape: [1], floats: [1])], to: path),
                     containing: [directory.file("missing/.w.safetensors.tmp-"), "open failed: No such file or directory"])
        XCTAssertEqual(try directory.entries(), [])
    }

    func testTensorNotMatchingItsShapeIsRejectedBeforeAnythingIsWritten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("w.safetensors")
        try writeFile(path, oldContents)
        let tensors = [
            NamedTensor(name: "good", shape: [2], floats: [1, 2]),
            NamedTensor(name: "model.0.conv.conv.weight", dtype: .f32, shape: [16, 12, 3, 3], bytes: Array(repeating: 0, count: 100)),
        ]
        assertThrows(try SafeTensorsWriter.write(tensors: tensors, to: path), containing: [
            path, "cannot write tensor 'model.0.conv.conv.weight': 100 bytes of data given but dtype F32 shape [16, 12, 3, 3] needs 6912 bytes",
        ])
        XCTAssertEqual(try directory.entries(), ["w.safetensors"])
        XCTAssertEqual(try readFile(path), oldContents)
    }

    func testOtherInvalidTensorsAreRejected() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("w.safetensors")
        let cases: [(NamedTensor, String)] = [
            (NamedTensor(name: "a", shape: [3], floats: [1, 2]), "tensor 'a': 8 bytes of data given but dtype F32 shape [3] needs 12 bytes"),
            (NamedTensor(name: "a", shape: [1], floats: [1], dtype: .i32), "tensor 'a': Float values cannot be stored as dtype I32"),
            (NamedTensor(name: "a", dtype: .f32, shape: [1], values: .int64s([1])), "tensor 'a': Int64 values cannot be stored as dtype F32"),
            (NamedTensor(name: "a", shape: [-1], floats: []), "tensor 'a': shape [-1] has a negative dimension or is too large"),
            (NamedTensor(name: "__metadata__", shape: [], floats: [1]), "tensor '__metadata__': the name is reserved"),
        ]
        for (tensor, message) in cases {
            assertThrows(try SafeTensorsWriter.write(tensors: [tensor], to: path), containing: [path, message])
        }
        let twice = NamedTensor(name: "a", shape: [], floats: [1])
        assertThrows(try SafeTensorsWriter.write(tensors: [twice, twice], to: path), containing: [path, "tensor 'a' appears more than once"])
        XCTAssertEqual(try directory.entries(), [])
    }

    /// A write failing half way (here: the file size limit, which makes write(2) fail with EFBIG, the
    /// way a full disk makes it fail with ENOSPC) removes the temporary file and keeps the old file.
    func testWriteFailureHalfWayKeepsTheOldFileAndRemovesTheTemporary() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("w.safetensors")
        try writeFile(path, oldContents)
        let large = NamedTensor(name: "large", shape: [1 << 20], floats: Array(repeating: 1, count: 1 << 20))

        try withFileSizeLimit(64 * 1024) {
            assertThrows(try SafeTensorsWriter.write(tensors: [large], to: path),
                         containing: [directory.file(".w.safetensors.tmp-"), "write failed: File too large"])
            assertThrows(try NPYWriter.write(large.values, dtype: .f32, shape: large.shape, to: path),
                         containing: [directory.file(".w.safetensors.tmp-"), "write failed: File too large"])
        }
        XCTAssertEqual(try directory.entries(), ["w.safetensors"])
        XCTAssertEqual(try readFile(path), oldContents)
    }

    func testSuccessfulWriteReplacesTheOldFileAndLeavesNoTemporary() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("w.safetensors")
        try writeFile(path, oldContents)
        try SafeTensorsWriter.write(tensors: [NamedTensor(name: "a", shape: [1], floats: [2])], to: path)
        XCTAssertEqual(try directory.entries(), ["w.safetensors"])
        XCTAssertEqual(try SafeTensorsFile(contentsOf: path).floats("a"), [2])
    }

    func testRelativePathInTheCurrentDirectory() throws {
        let directory = try TemporaryDirectory()
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(directory.path))
        defer { XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(previous)) }
        try SafeTensorsWriter.write(tensors: [NamedTensor(name: "a", shape: [1], floats: [2])], to: "relative.safetensors")
        XCTAssertEqual(try directory.entries(), ["relative.safetensors"])
    }
}

/// Runs `body` with the soft RLIMIT_FSIZE lowered to `bytes` (and SIGXFSZ ignored, so writes past the
/// limit fail with EFBIG instead of killing the process), then restores the limit.
private func withFileSizeLimit(_ bytes: Int, _ body: () throws -> Void) throws {
    var original = rlimit()
    XCTAssertEqual(getrlimit(Int32(RLIMIT_FSIZE.rawValue), &original), 0)
    let previousHandler = signal(SIGXFSZ, SIG_IGN)
    var limited = original
    limited.rlim_cur = rlim_t(bytes)
    XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limited), 0)
    defer {
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &original), 0)
        signal(SIGXFSZ, previousHandler)
    }
    try body()
}
