import XCTest
@testable import Coordinator

/// Slurm's tools as a test double: answers by the tool's name, records every call.
final class FakeSlurm: SlurmCommands, @unchecked Sendable {
    var answers: [String: Result<String, CoordinatorError>] = [:]
    var calls: [[String]] = []

    func run(_ arguments: [String]) throws -> String {
        calls.append(arguments)
        guard let answer = answers[arguments[0]] else { throw CoordinatorError("\(arguments[0]): not answered in this test") }
        return try answer.get()
    }
}

/// The Slurm backend: the jobs it submits, how it reads squeue, sacct and scontrol, how it stops jobs, and the
/// coordinator's rules for a launcher that is a cluster scheduler.
final class SlurmLauncherTests: XCTestCase {
    private func record(_ name: String = "n-spd-s0", ranks: Int = 2, attempt: Int = 3, settings: [String] = ["epochs=5"]) -> RunRecord {
        var runSpec = spec(name, ranks: ranks, root: "/runs")
        runSpec.settings = settings
        runSpec.experiment = "/exp/it's.yaml"
        runSpec.workdir = "/work"
        var record = RunRecord(spec: runSpec, submittedAt: 0)
        record.attempt = attempt
        return record
    }

    private func launcher(_ slurm: FakeSlurm, _ change: (inout SlurmLauncher.Settings) -> Void = { _ in }) -> SlurmLauncher {
        var settings = SlurmLauncher.Settings()
        change(&settings)
        return SlurmLauncher(spd: "/opt/spd/bin/spd", settings: settings, slurm: slurm)
    }

    func testSbatchOptionsCarryRanksRequeueSignalDirectoriesAndTheSettings() {
        let launcher = launcher(FakeSlurm()) {
            $0.partition = "cpu"
            $0.account = "lab"
            $0.timeLimit = "2:00:00"
            $0.signalSeconds = 120
            $0.extraOptions = ["--qos=long"]
        }
        XCTAssertEqual(launcher.sbatchOptions(record(), tag: "/q:n-spd-s0:3"), [
            "--parsable", "--job-name=spd-n-spd-s0", "--comment=/q:n-spd-s0:3", "--ntasks=2", "--cpus-per-task=1", "--requeue",
            "--signal=USR1@120", "--chdir=/work", "--output=/runs/n-spd-s0/train.log", "--open-mode=append", "--partition=cpu",
            "--account=lab", "--time=2:00:00", "--qos=long",
        ])
    }

    func testTheJobScriptExecsSrunWithTheQuotedTrainCommand() {
        let script = launcher(FakeSlurm()).jobScript(record(), tag: "/q:n-spd-s0:3")
        XCTAssertTrue(script.hasPrefix("#!/bin/bash\n"))
        XCTAssertTrue(script.contains("export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 SPD_COORDINATOR_TAG='/q:n-spd-s0:3'\n"))
        XCTAssertTrue(script.contains(
            "\nexec srun --mpi=pmix '/opt/spd/bin/spd' 'train' '/exp/it'\\''s.yaml' '--run-dir' '/runs/n-spd-s0' '--resume-if-exists' '--set' 'epochs=5'\n"),
            script)
    }

    func testLaunchWritesTheScriptAndReturnsTheJobId() throws {
        let root = try temporaryDirectory(self)
        let slurm = FakeSlurm()
        slurm.answers["sbatch"] = .success("4711;cluster\n")
        var run = record()
        run.spec.runDirectory = "\(root)/run"
        XCTAssertEqual(try launcher(slurm).launch(run, tag: "t"), .slurmJob("4711"))
        XCTAssertEqual(slurm.calls.last?.last, "\(root)/run/slurm-job.sh")
        XCTAssertTrue(try String(contentsOfFile: "\(root)/run/slurm-job.sh", encoding: .utf8).contains("exec srun"))

        slurm.answers["sbatch"] = .success("sbatch: error: something\n")
        XCTAssertThrowsError(try launcher(slurm).launch(run, tag: "t")) { error in
            XCTAssertEqual("\(error)", "run n-spd-s0: sbatch printed no job id: 'sbatch: error: something'")
        }
        slurm.answers["sbatch"] = .failure(CoordinatorError("sbatch --parsable: exit status 1: sbatch: error: invalid partition specified: gpu"))
        XCTAssertThrowsError(try launcher(slurm).launch(run, tag: "t")) { error in
            XCTAssertTrue("\(error)".contains("invalid partition specified: gpu"))
        }
    }

    func testSqueueStatesMapToRunningOrWaiting() {
        let slurm = FakeSlurm()
        let launcher = launcher(slurm)
        for (state, expected) in [("RUNNING", AttemptStatus.running), ("COMPLETING", .running), ("PENDING", .waiting), ("REQUEUED", .waiting),
                                  ("SUSPENDED", .waiting)] {
            slurm.answers["squeue"] = .success("\(state)\n")
            XCTAssertEqual(launcher.status(of: .slurmJob("7")), expected, state)
        }
        XCTAssertEqual(slurm.calls.last, ["squeue", "--noheader", "--jobs=7", "--format=%T"])
    }

    func testAnEndedJobIsReadFromSacctThenFromScontrol() {
        let slurm = FakeSlurm()
        let launcher = launcher(slurm)
        slurm.answers["squeue"] = .success("")
        slurm.answers["sacct"] = .success("PREEMPTED|0:0\nFAILED|75:0\n")
        XCTAssertEqual(launcher.status(of: .slurmJob("7")), .exited(code: 75, detail: "Slurm: FAILED"), "the last line: the job's latest run")
        slurm.answers["sacct"] = .success("COMPLETED|0:0\n")
        XCTAssertEqual(launcher.status(of: .slurmJob("7")), .exited(code: 0, detail: nil))
        slurm.answers["sacct"] = .success("CANCELLED by 0|0:15\n")
        XCTAssertEqual(launcher.status(of: .slurmJob("7")), .exited(code: 143, detail: "Slurm: CANCELLED"))

        // Accounting off (no slurmdbd): scontrol, while slurmctld still holds the job.
        slurm.answers["sacct"] = .failure(CoordinatorError("sacct: exit status 1: Slurm accounting storage is disabled"))
        slurm.answers["scontrol"] = .success("JobId=7 JobName=spd-a UserId=root(0) JobState=NODE_FAIL Reason=NodeDown Dependency=(null) Requeue=1 Restarts=0 ExitCode=0:0\n")
        XCTAssertEqual(launcher.status(of: .slurmJob("7")), .exited(code: 0, detail: "Slurm: NODE_FAIL"))
        slurm.answers["scontrol"] = .failure(CoordinatorError("scontrol: exit status 1: slurm_load_jobs error: Invalid job id specified"))
        XCTAssertEqual(launcher.status(of: .slurmJob("7")), .exited(code: nil, detail: "Slurm no longer knows job 7"))

        // squeue refuses a forgotten job; any other squeue failure says nothing about the job.
        slurm.answers["squeue"] = .failure(CoordinatorError("squeue: exit status 1: slurm_load_jobs error: Invalid job id specified"))
        XCTAssertEqual(launcher.status(of: .slurmJob("7")), .exited(code: nil, detail: "Slurm no longer knows job 7"))
        slurm.answers["squeue"] = .failure(CoordinatorError("squeue: exit status 1: Unable to contact slurm controller (connect failure)"))
        XCTAssertEqual(launcher.status(of: .slurmJob("7")), .running)
        XCTAssertEqual(launcher.status(of: .process(ProcessIdentity(pid: 5, processGroup: 5, startTicks: 1))),
                       .exited(code: nil, detail: "not a Slurm job (pid 5)"))
    }

    func testTaggedJobsAreFoundByTheirComment() {
        let slurm = FakeSlurm()
        slurm.answers["squeue"] = .success("11|/q:a:1\n12|/q:a:10\n13|/q:a:1\n14|\n")
        XCTAssertEqual(launcher(slurm).attempts(tagged: "/q:a:1"), [.slurmJob("11"), .slurmJob("13")])
    }

    func testStopCancelsThenKillsWhatIsLeftAfterTheGrace() {
        let slurm = FakeSlurm()
        slurm.answers["squeue"] = .success("RUNNING\n")  // never leaves: the grace runs out
        slurm.answers["scancel"] = .success("")
        launcher(slurm).stop(.slurmJob("21"), tag: "/q:a:1", grace: 0)
        let cancels = slurm.calls.filter { $0[0] == "scancel" }
        XCTAssertEqual(cancels, [["scancel", "21"], ["scancel", "--signal=KILL", "--full", "21"]])
    }

    func testAttemptHandlesDecodeTheQueuesOlderProcessRowsAndRoundTripJobs() throws {
        let old = #"{"pid":5,"processGroup":5,"startTicks":9}"#
        XCTAssertEqual(try JSONDecoder().decode(AttemptHandle.self, from: Data(old.utf8)),
                       .process(ProcessIdentity(pid: 5, processGroup: 5, startTicks: 9)))
        let job = try JSONEncoder().encode(AttemptHandle.slurmJob("42"))
        XCTAssertEqual(String(decoding: job, as: UTF8.self), #"{"slurm_job":"42"}"#)
        XCTAssertEqual(try JSONDecoder().decode(AttemptHandle.self, from: job), .slurmJob("42"))
    }
}

/// The coordinator with a launcher that is a cluster scheduler (a fake standing in for Slurm).
final class ClusterSchedulerCoordinatorTests: XCTestCase {
    private var directory = ""
    private var queue: RunQueue!
    private var launcher: FakeLauncher!
    private var now = 1000.0
    private var lines: [String] = []

    override func setUpWithError() throws {
        directory = try temporaryDirectory(self)
        queue = try RunQueue(path: "\(directory)/queue.sqlite")
        launcher = FakeLauncher()
        launcher.isClusterScheduler = true
        lines = []
    }

    private func coordinator() -> Coordinator {
        var options = CoordinatorOptions()
        options.heartbeatTimeout = 60
        return Coordinator(queue: queue, launcher: launcher, options: options, clock: { [unowned self] in now }, log: { [unowned self] in lines.append($0) })
    }

    func testEveryQueuedRunIsHandedToTheSchedulerWithoutHosts() throws {
        try queue.submit([spec("a", ranks: 64, root: directory), spec("b", ranks: 128, root: directory)], now: now)
        try coordinator().tick()
        XCTAssertEqual(launcher.launched.map(\.run.name), ["a", "b"])
        XCTAssertEqual(try queue.runs().map(\.placement), [[], []])
        XCTAssertEqual(try queue.runs().map(\.state), [.running, .running])
    }

    func testAWaitingJobNeedsNoHeartbeatAndARequeuedOneKeepsItsAttempt() throws {
        try queue.submit([spec("a", root: directory)], now: now)
        let coordinator = coordinator()
        try coordinator.tick()
        let pid = try XCTUnwrap(launcher.pid("a"))
        launcher.statuses[pid] = .waiting
        now += 3600
        try coordinator.tick()
        XCTAssertEqual(try queue.run("a")?.state, .running, "pending in Slurm for an hour: not hung")
        launcher.statuses[pid] = .running
        try coordinator.tick()
        // Preempted: it checkpoints (a preempted event) and Slurm requeues the same job.
        try appendEvents("\(directory)/a", [["event": "started", "time": now], ["event": "preempted", "signal": "SIGTERM", "time": now]])
        launcher.statuses[pid] = .waiting
        try coordinator.tick()
        XCTAssertEqual(lines.last, "a attempt 1 (pid \(pid)) was requeued by the scheduler after stopping at SIGTERM; it resumes when it starts again")
        launcher.statuses[pid] = .running
        try coordinator.tick()
        // The resumed job then fails: a failure, not the earlier preemption.
        launcher.statuses[pid] = .exited(code: 1, detail: "Slurm: FAILED")
        try coordinator.tick()
        let run = try XCTUnwrap(try queue.run("a"))
        XCTAssertEqual(run.attempt, 1)
        XCTAssertEqual(run.restarts, 1)
        XCTAssertEqual(run.error, "exited with status 1 (Slurm: FAILED)")
    }

    func testAStoppingCoordinatorLeavesTheJobsToTheScheduler() throws {
        try queue.submit([spec("a", root: directory)], now: now)
        let coordinator = coordinator()
        try coordinator.tick()
        try coordinator.stopRunning()
        XCTAssertEqual(launcher.terminated, [])
        XCTAssertEqual(try queue.run("a")?.state, .running)
    }
}
