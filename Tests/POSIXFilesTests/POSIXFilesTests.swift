import Checksum
import Foundation
import POSIXFiles
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The one file layer under TensorFiles, Shards, Imaging and Training: regular files only, durable atomic writes,
/// directory operations and file hashing, with every failure a `FileAccessError` naming the path.
final class POSIXFilesTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "spd-posixfiles-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// A FIFO with no writer would block a plain open(O_RDONLY) forever; a regular-file open refuses it at once.
    func testFIFOAndDirectoryAreRefusedWithoutBlocking() throws {
        let fifo = "\(directory!)/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertThrowsError(try FileDescriptor(openingRegularFile: fifo)) { error in
            XCTAssertEqual(error as? FileAccessError, .notARegularFile(path: fifo))
            XCTAssertEqual("\(error)", "\(fifo): not a regular file")
        }
        XCTAssertThrowsError(try sha256(ofFile: directory)) { XCTAssertEqual($0 as? FileAccessError, .notARegularFile(path: directory)) }
        let missing = "\(directory!)/missing"
        XCTAssertThrowsError(try FileDescriptor(openingRegularFile: missing)) {
            XCTAssertEqual("\($0)", "\(missing): open failed: No such file or directory")
        }
    }

    /// Bounded reads: a file over its limit is refused before it is read, a FIFO without blocking, bytes that are
    /// not UTF-8 as such; a file at its limit reads whole.
    func testBoundedReads() throws {
        let path = "\(directory!)/settings.yaml"
        try writeAtomically(Array("epochs: 3\n".utf8), to: path)
        XCTAssertEqual(try readTextFile(path, limit: 10), "epochs: 3\n")
        XCTAssertThrowsError(try readRegularFile(path, limit: 9)) { error in
            XCTAssertEqual(error as? FileAccessError, .tooLarge(path: path, size: 10, limit: 9))
            XCTAssertEqual("\(error)", "\(path): 10 bytes, more than the 9 this file may have")
        }
        try writeAtomically([0x65, 0xFF, 0x0A], to: path)
        XCTAssertThrowsError(try readTextFile(path)) { XCTAssertEqual("\($0)", "\(path): not UTF-8 text") }
        let fifo = "\(directory!)/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertThrowsError(try readTextFile(fifo)) { XCTAssertEqual($0 as? FileAccessError, .notARegularFile(path: fifo)) }
        try writeAtomically([], to: path)
        XCTAssertEqual(try readRegularFile(path, limit: 0), [])
    }

    /// A write replaces regular files only: a symlink (and what it points to), a FIFO and a directory stay as they
    /// are (`spd export --out LINK` replaced the link; as root, `--out /dev/full` replaced the device node).
    func testWritesReplaceRegularFilesOnly() throws {
        let target = "\(directory!)/target", link = "\(directory!)/link", fifo = "\(directory!)/fifo"
        try writeAtomically(Array("keep".utf8), to: target)
        XCTAssertEqual(symlink(target, link), 0)
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        for path in [link, fifo, directory!] {
            XCTAssertThrowsError(try writeAtomically(Array("new".utf8), to: path)) { error in
                XCTAssertEqual(error as? FileAccessError, .notReplaceable(path: path))
                XCTAssertEqual("\(error)", "\(path): exists and is not a regular file (a link, device, FIFO or directory), so it is not replaced")
            }
        }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), target)
        XCTAssertEqual(try readTextFile(target), "keep")
        try writeAtomically(Array("new".utf8), to: target)
        XCTAssertEqual(try readTextFile(target), "new", "a regular file is replaced")
    }

    /// The streaming hash equals the one-shot hash across the 1 MB block boundary.
    func testFileHashMatchesOneShotHash() throws {
        let path = "\(directory!)/data"
        let bytes = (0..<(1 << 20) + 4097).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        try writeAtomically(bytes, to: path)
        XCTAssertEqual(try sha256(ofFile: path), SHA256.hash(bytes))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data(bytes))
        XCTAssertEqual(try fileSizeIfPresent(path), bytes.count)
        XCTAssertNil(try fileSizeIfPresent("\(directory!)/absent"))
    }

    /// A failed atomic write leaves the old file and no temporary behind.
    func testFailedAtomicWriteKeepsTheOldFile() throws {
        let path = "\(directory!)/keep"
        try writeAtomically(Array("old".utf8), to: path)
        struct Stop: Error {}
        XCTAssertThrowsError(try writeAtomically(to: path) { sink in
            try sink.write("partial")
            throw Stop()
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["keep"])
    }

    func testDirectoriesRenameAndSymlink() throws {
        let nested = "\(directory!)/a/b/c"
        try makeDirectories(nested)
        try makeDirectories(nested)  // existing: no error
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue)
        try writeAtomically(Array("x".utf8), to: "\(directory!)/file")
        XCTAssertThrowsError(try makeDirectories("\(directory!)/file/sub")) {
            XCTAssertEqual("\($0)", "\(directory!)/file/sub: mkdir failed: Not a directory")
        }
        try commitRename("\(directory!)/a", to: "\(directory!)/renamed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(directory!)/renamed/b/c"))
        XCTAssertThrowsError(try commitRename("\(directory!)/gone", to: "\(directory!)/target")) {
            XCTAssertEqual("\($0)", "\(directory!)/target: rename of \(directory!)/gone to it failed: No such file or directory")
        }
        try replaceSymlink("\(directory!)/last", target: "renamed")
        try replaceSymlink("\(directory!)/last", target: "file")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "\(directory!)/last"), "file")
        removeTreeIgnoringErrors("\(directory!)/renamed")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["file", "last"])
    }
}
