import Checksum
import Foundation
import TestSupport
import XCTest

final class SHA256Tests: XCTestCase {
    // FIPS 180-4 / NIST CSRC example vectors.
    func testEmptyMessage() {
        XCTAssertEqual(SHA256.hash([UInt8]()).hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testABC() {
        XCTAssertEqual(SHA256.hash("abc".utf8).hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func test448BitMessage() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        XCTAssertEqual(message.utf8.count * 8, 448)
        XCTAssertEqual(SHA256.hash(message.utf8).hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func test896BitMessage() {
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(message.utf8.count * 8, 896)
        XCTAssertEqual(SHA256.hash(message.utf8).hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func testOneMillionA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        XCTAssertEqual(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex, expected)
        // The same message fed 1000 bytes at a time.
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0 ..< 1000 { hasher.update(chunk) }
        XCTAssertEqual(hasher.finalize().hex, expected)
    }

    func testDigestBytesMatchHex() {
        let digest = SHA256.hash("abc".utf8)
        XCTAssertEqual(digest.bytes.count, 32)
        XCTAssertEqual(Array(digest.bytes.prefix(4)), [0xba, 0x78, 0x16, 0xbf])
        XCTAssertEqual(digest.description, digest.hex)
    }

    /// Splitting a message at every point (and into three parts around block boundaries) gives the one-shot digest.
    func testChunkedUpdatesAtEverySplitPoint() {
        var generator = SeededRandom(seed: 7)
        let message = (0 ..< 300).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let oneShot = SHA256.hash(message)
        for split in 0 ... message.count {
            var hasher = SHA256()
            hasher.update(message[..<split])
            hasher.update(message[split...])
            XCTAssertEqual(hasher.finalize(), oneShot, "split at \(split)")
        }
        for first in [1, 55, 56, 63, 64, 65, 119, 120, 128] {
            for second in first ... min(first + 70, message.count) {
                var hasher = SHA256()
                hasher.update(message[..<first])
                hasher.update(message[first ..< second])
                hasher.update(message[second...])
                XCTAssertEqual(hasher.finalize(), oneShot, "splits at \(first), \(second)")
            }
        }
    }

    /// Lengths around the padding boundary (55, 56, 63, 64 bytes) agree with sha256sum.
    func testPaddingBoundariesMatchSha256sum() throws {
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 128] {
            let message = [UInt8](repeating: UInt8(ascii: "x"), count: length)
            XCTAssertEqual(SHA256.hash(message).hex, try sha256sum(message), "length \(length)")
        }
    }

    func testRandomMegabyteMatchesSha256sum() throws {
        var generator = SeededRandom(seed: 42)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for index in buffer.indices { buffer[index] = UInt8(truncatingIfNeeded: generator.next() >> 11) }
        XCTAssertEqual(SHA256.hash(buffer).hex, try sha256sum(buffer))
    }

    /// Prints throughput; asserts >= 200 MB/s only when run on purpose (SPD_BENCH=1) in a release build.
    func testThroughput() throws {
        guard ProcessInfo.processInfo.environment["SPD_BENCH"] == "1" else {
            throw XCTSkip("set SPD_BENCH=1 (and build with -c release) to measure SHA-256 throughput")
        }
        let buffer = [UInt8](repeating: 0x5a, count: 64 << 20)
        var best = Double.infinity
        for _ in 0 ..< 5 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = SHA256.hash(buffer)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let megabytesPerSecond = Double(buffer.count) / 1e6 / best
        print("SHA-256 throughput: \(Int(megabytesPerSecond)) MB/s (64 MiB, best of 5)")
        #if !DEBUG
        XCTAssertGreaterThanOrEqual(megabytesPerSecond, 200)
        #endif
    }

    private func sha256sum(_ bytes: [UInt8]) throws -> String {
        let tool = "/usr/bin/sha256sum"
        try TestTools.requireExecutable(tool, "apt-get install coreutils")
        return String(try TestTools.runChecked(URL(fileURLWithPath: tool), [], input: Data(bytes)).text.prefix(64))
    }
}

