import Foundation
import Protobuf

/// TensorBoard's event file of one run, written by hand: the few protobuf messages scalars need (`Event` with
/// wall_time, step, file_version or a `Summary` of `Value`s with a tag and a simple_value) in TFRecord framing
/// (length, masked CRC-32C of the length, data, masked CRC-32C of the data). `tensorboard --logdir runs` reads it.
/// A file per process start: TensorBoard merges the files of a directory, as it does for a resumed YOLOv5 run.
public final class EventFileWriter {
    public let path: String
    private let handle: FileHandle

    /// Creates `directory/events.out.tfevents.<seconds>.<host>.<pid>` and writes its version record.
    public init(directory: String, now: Date = Date()) throws {
        let name = "events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(ProcessInfo.processInfo.hostName).\(getpid())"
        path = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw TensorBoardError(path: path, reason: "cannot create the event file")
        }
        self.handle = handle
        var event = ProtobufWriter()
        event.double(field: 1, now.timeIntervalSince1970)
        event.string(field: 3, "brain.Event:2")
        try append(event.bytes)
    }

    deinit { try? handle.close() }

    /// Writes one event at `step` holding every scalar (tag, value); non-finite values are left out.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int, time: Date = Date()) throws {
        var summary = ProtobufWriter()
        for (tag, value) in values where value.isFinite {
            var entry = ProtobufWriter()
            entry.string(field: 1, tag)
            entry.float(field: 2, Float(value))
            summary.message(field: 1, entry)
        }
        var event = ProtobufWriter()
        event.double(field: 1, time.timeIntervalSince1970)
        event.varint(field: 2, UInt64(bitPattern: Int64(step)))
        event.message(field: 5, summary)
        try append(event.bytes)
    }

    /// One TFRecord: length, masked CRC of the length, the data, masked CRC of the data (all little-endian).
    private func append(_ data: [UInt8]) throws {
        let length = littleEndian(UInt64(data.count))
        let record = length + littleEndian(CRC32C.masked(length)) + data + littleEndian(CRC32C.masked(data))
        do { try handle.write(contentsOf: record) } catch {
            throw TensorBoardError(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}

/// An event file could not be created or written.
public struct TensorBoardError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
