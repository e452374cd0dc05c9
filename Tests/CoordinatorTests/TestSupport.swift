import Foundation
import XCTest
@testable import Coordinator

/// A launcher that starts nothing: tests decide when "processes" exit (or, with `isClusterScheduler`, when "jobs" wait).
final class FakeLauncher: Launcher {
    var isClusterScheduler = false
    var launched: [(run: RunRecord, tag: String)] = []
    var statuses: [Int32: AttemptStatus] = [:]
    var tagged: [String: AttemptHandle] = [:]
    var terminated: [Int32] = []
    var failLaunch = false
    private var nextPid: Int32 = 1000

    func launch(_ run: RunRecord, tag: String) throws -> AttemptHandle {
        if failLaunch { throw CoordinatorError("fake launch failure") }
        nextPid += 1
        let process = AttemptHandle.process(ProcessIdentity(pid: nextPid, processGroup: nextPid, startTicks: 7))
        statuses[nextPid] = .running
        tagged[tag] = process
        launched.append((run, tag))
        return process
    }

    func status(of attempt: AttemptHandle) -> AttemptStatus { statuses[Self.pid(attempt)] ?? .exited(code: nil) }

    func stop(_ attempt: AttemptHandle?, tag: String, grace: Double) {
        for pid in Set(([attempt].compactMap { $0 } + attempts(tagged: tag)).map(Self.pid)) where statuses[pid].map({ !$0.hasEnded }) ?? false {
            terminated.append(pid)
            statuses[pid] = .exited(code: 143)
        }
    }

    func attempts(tagged tag: String) -> [AttemptHandle] {
        tagged[tag].map { status(of: $0).hasEnded ? [] : [$0] } ?? []
    }

    /// The pid of the last launch of `name`.
    func pid(_ name: String) -> Int32? {
        launched.last { $0.run.name == name }.flatMap { tagged[$0.tag] }.map(Self.pid)
    }

    private static func pid(_ attempt: AttemptHandle) -> Int32 {
        guard case let .process(process) = attempt else { return -1 }
        return process.pid
    }
}

/// A temporary directory removed after the test.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("spd-coordinator-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// A run spec with `ranks` ranks, its run directory under `root`.
func spec(_ name: String, ranks: Int = 1, root: String = "/tmp", sweep: String = "s", size: String = "n", variant: String = "spd", seed: Int = 0) -> RunSpec {
    RunSpec(name: name, sweep: sweep, size: size, variant: variant, model: "m", seed: seed, experiment: "/x.yaml", settings: [], workdir: "/",
            runDirectory: "\(root)/\(name)", ranks: ranks, imgsz: 64)
}

/// Appends events to a run directory's events.jsonl as `spd train` rank 0 does.
func appendEvents(_ directory: String, _ events: [[String: Any]]) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = "\(directory)/events.jsonl"
    if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
    let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    for event in events { try handle.write(contentsOf: JSONSerialization.data(withJSONObject: event) + Data([0x0A])) }
}

/// The SPDTrain checkout (for configs/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
