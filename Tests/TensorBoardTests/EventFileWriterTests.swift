import Foundation
import TensorBoard
import TestSupport
import XCTest

/// The hand-written event files: CRC-32C against its check value, and every scalar read back by the `tensorboard`
/// package from PyPI (its EventAccumulator, what `tensorboard --logdir` uses).
final class EventFileWriterTests: XCTestCase {
    func testCRC32CCheckValues() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283, "the CRC-32C check value")
        XCTAssertEqual(CRC32C.checksum([]), 0)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA, "RFC 3720 B.4: 32 bytes of zeros")
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43, "RFC 3720 B.4: 32 bytes of ones")
    }

    func testTensorBoardReadsEveryScalar() throws {
        try TestTools.requirePython(["tensorboard"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spd-tensorboard-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try EventFileWriter(directory: directory, now: Date(timeIntervalSince1970: 1_700_000_000))
        XCTAssertTrue((writer.path as NSString).lastPathComponent.hasPrefix("events.out.tfevents.1700000000."))
        var expected: [String: [(step: Int, value: Double)]] = [:]
        for step in [0, 1, 7, 300, 1 << 40] {
            let values = [("train/box_loss", 0.1 / Double(step + 1)), ("metrics/mAP_0.5:0.95", Double(step % 5) * 0.125), ("x/lr0", -3.5e-4 * Double(step % 3)),
                          ("step/time/allreduce_wait", 12345.678)]
            try writer.scalars(values + [("skipped/nan", .nan)], step: step, time: Date(timeIntervalSince1970: 1_700_000_000 + Double(step % 1000)))
            for (tag, value) in values { expected[tag, default: []].append((step, value)) }
        }
        let script = """
            import json, sys
            from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
            accumulator = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
            accumulator.Reload()
            print(json.dumps({tag: [[e.step, e.value, e.wall_time] for e in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]}))
            """
        let read = try TestTools.runChecked(TestTools.python, ["-c", script, directory])
        let scalars = try XCTUnwrap(JSONSerialization.jsonObject(with: read.output) as? [String: [[Double]]])
        XCTAssertEqual(Set(scalars.keys), Set(expected.keys), "the NaN was left out")
        for (tag, points) in expected {
            let got = try XCTUnwrap(scalars[tag])
            XCTAssertEqual(got.map { Int($0[0]) }, points.map(\.step), tag)
            XCTAssertEqual(got.map { Float($0[1]) }, points.map { Float($0.value) }, tag)
            XCTAssertEqual(got.map { $0[2] }, points.map { 1_700_000_000 + Double($0.step % 1000) }, tag)
        }
    }
}
