import Foundation
import XCTest
@testable import Coordinator

/// ProcessLauncher with real processes: shell scripts standing in for mpirun and spd record the signal that stops them.
final class ProcessLauncherTests: XCTestCase {
    /// A script that writes the name of the first stop signal it gets (USR1 or TERM) to `record` and exits 75.
    private func signalRecorder(at path: String, record: String) throws {
        let script = """
        #!/bin/sh
        trap 'echo USR1 > "\(record)"; exit 75' USR1
        trap 'echo TERM > "\(record)"; exit 75' TERM
        while :; do sleep 0.05; done

        """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(path, 0o755), 0)
    }

    private func run(ranks: Int, directory: String) -> RunRecord {
        var run = RunRecord(spec: spec("stop-\(ranks)", ranks: ranks, root: directory), submittedAt: 0)
        run.placement = [HostSlots(host: "localhost", slots: ranks)]
        return run
    }

    /// Launches a recorder as an attempt of `ranks` ranks, stops it, and returns the signal it got and the seconds the
    /// stop took.
    private func stopSignal(ranks: Int) throws -> (signal: String, seconds: Double) {
        let directory = try temporaryDirectory(self)
        let record = "\(directory)/signal"
        try signalRecorder(at: "\(directory)/mpirun", record: record)
        try signalRecorder(at: "\(directory)/spd", record: record)
        let launcher = ProcessLauncher(spd: "\(directory)/spd", mpirun: "\(directory)/mpirun")
        let run = run(ranks: ranks, directory: directory)
        let tag = "test-\(UUID().uuidString)"
        let attempt = try launcher.launch(run, tag: tag)
        usleep(300_000)
        XCTAssertEqual(launcher.status(of: attempt), .running)
        let start = Date()
        launcher.stop(attempt, tag: tag, grace: 10)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertTrue(launcher.status(of: attempt).hasEnded)
        let signal = try String(contentsOfFile: record, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return (signal, seconds)
    }

    /// Through mpirun the stop is SIGUSR1 to mpirun (it forwards it to every rank); SIGTERM would make mpirun kill
    /// its ranks a second later, before they checkpoint.
    func testAnMpirunAttemptIsStoppedWithSIGUSR1ToMpirun() throws {
        let (signal, seconds) = try stopSignal(ranks: 2)
        XCTAssertEqual(signal, "USR1")
        XCTAssertLessThan(seconds, 5, "it ended by itself, not by SIGKILL after the 10 s grace")
    }

    /// A lone local rank (no mpirun) gets SIGTERM.
    func testALoneProcessIsStoppedWithSIGTERM() throws {
        let (signal, seconds) = try stopSignal(ranks: 1)
        XCTAssertEqual(signal, "TERM")
        XCTAssertLessThan(seconds, 5, "it ended by itself, not by SIGKILL after the 10 s grace")
    }

    /// A process that ignores the stop signal is killed after the grace.
    func testAProcessThatDoesNotStopIsKilledAfterTheGrace() throws {
        let directory = try temporaryDirectory(self)
        try "#!/bin/sh\ntrap '' USR1 TERM\nwhile :; do sleep 0.05; done\n".write(toFile: "\(directory)/mpirun", atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod("\(directory)/mpirun", 0o755), 0)
        let launcher = ProcessLauncher(spd: "/bin/false", mpirun: "\(directory)/mpirun")
        let tag = "test-\(UUID().uuidString)"
        let attempt = try launcher.launch(run(ranks: 2, directory: directory), tag: tag)
        usleep(300_000)
        let start = Date()
        launcher.stop(attempt, tag: tag, grace: 0.5)
        XCTAssertTrue(launcher.status(of: attempt).hasEnded)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.5, "it was given the grace before SIGKILL")
    }
}
