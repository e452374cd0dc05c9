import Foundation
import XCTest
@testable import Coordinator

/// A launcher that starts nothing: tests decide when "processes" exit.
final class FakeLauncher: Launcher {
    var launched: [(run: RunRecord, tag: String)] = []
    var statuses: [Int32: ProcessStatus] = [:]
    var tagged: [String: ProcessIdentity] = [:]
    var terminated: [Int32] = []
    var failLaunch = false
    private var nextPid: Int32 = 1000

    func launch(_ run: RunRecord, tag: String) throws -> ProcessIdentity {
        if failLaunch { throw CoordinatorError("fake launch failure") }
        nextPid += 1
        let process = ProcessIdentity(pid: nextPid, processGroup: nextPid, startTicks: 7)
        statuses[process.pid] = .running
        tagged[tag] = process
        launched.append((run, tag))
        return process
    }

    func status(of process: ProcessIdentity) -> ProcessStatus { statuses[process.pid] ?? .exited(code: nil) }

    func stop(_ process: ProcessIdentity?, tag: String, grace: Double) {
        for process in Set(([process].compactMap { $0 } + processes(tagged: tag)).map(\.pid)) where statuses[process] == .running {
            terminated.append(process)
            statuses[process] = .exited(code: 143)
        }
    }

    func processes(tagged tag: String) -> [ProcessIdentity] {
        tagged[tag].map { status(of: $0) == .running ? [$0] : [] } ?? []
    }

    /// The pid of the last launch of `name`.
    func pid(_ name: String) -> Int32? {
        launched.last { $0.run.name == name }.flatMap { tagged[$0.tag]?.pid }
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
