import XCTest
@testable import Coordinator

/// State transitions, restarts, heartbeats and recovery with a fake launcher and a test clock.
final class CoordinatorLifecycleTests: XCTestCase {
    private var directory = ""
    private var queue: RunQueue!
    private var launcher: FakeLauncher!
    private var now = 1000.0
    private var options = CoordinatorOptions()

    override func setUpWithError() throws {
        directory = try temporaryDirectory(self)
        queue = try RunQueue(path: "\(directory)/queue.sqlite")
        try queue.setHosts([HostSlots(host: "localhost", slots: 2)])
        launcher = FakeLauncher()
        options.heartbeatTimeout = 60
        options.backoff = 10
        options.maxRestarts = 2
        options.hostFailureLimit = 10
    }

    private func coordinator() -> Coordinator {
        Coordinator(queue: queue, launcher: launcher, options: options, clock: { [unowned self] in now }, log: { _ in })
    }

    private func state(_ name: String) throws -> RunState? { try queue.run(name)?.state }

    private func finish(_ name: String, code: Int32?, done: Bool) throws {
        try appendEvents("\(directory)/\(name)", [["event": "started", "time": now]] + (done ? [["event": "done", "time": now]] : []))
        launcher.statuses[try XCTUnwrap(launcher.pid(name))] = .exited(code: code)
    }

    func testRunsStartOnFreeSlotsAndFinishWhenTheyExitAfterDone() throws {
        try queue.submit([spec("a", root: directory), spec("b", root: directory), spec("c", root: directory)], now: now)
        let coordinator = coordinator()
        try coordinator.tick()
        XCTAssertEqual(try ["a", "b", "c"].map(state), [.running, .running, .queued])
        try finish("a", code: 0, done: true)
        try coordinator.tick()
        XCTAssertEqual(try ["a", "b", "c"].map(state), [.done, .running, .running])
        XCTAssertEqual(launcher.launched.map(\.run.name), ["a", "b", "c"])
        XCTAssertEqual(try queue.run("a")?.attempt, 1)
    }

    /// A run that stopped at a signal after its checkpoint (a `preempted` event, exit 75) is queued again at once,
    /// without counting as a restart or against its host, and resumes with the next attempt.
    func testAPreemptedAttemptIsRequeuedWithoutCountingAsAFailure() throws {
        options.hostFailureLimit = 1
        try queue.submit([spec("a", root: directory)], now: now)
        let coordinator = coordinator()
        try coordinator.tick()
        for attempt in 1...3 {
            XCTAssertEqual(try state("a"), .running)
            try appendEvents("\(directory)/a", [["event": "started", "time": now], ["event": "preempted", "signal": "SIGUSR1", "time": now]])
            launcher.statuses[try XCTUnwrap(launcher.pid("a"))] = .exited(code: 75)
            try coordinator.tick()
            // Queued with no backoff, so the same tick starts the next attempt.
            let record = try XCTUnwrap(try queue.run("a"))
            XCTAssertEqual(record.attempt, attempt + 1)
            XCTAssertEqual(record.restarts, 0, "a preemption is not a restart")
            XCTAssertNil(record.error)
        }
        XCTAssertEqual(launcher.launched.count, 4, "more preemptions than max_restarts, and the host stays in the pool")
        try finish("a", code: 0, done: true)
        try coordinator.tick()
        XCTAssertEqual(try state("a"), .done)
    }

    func testAFailedAttemptIsRequeuedWithBackoffThenFailsForGood() throws {
        try queue.submit([spec("a", root: directory)], now: now)
        let coordinator = coordinator()
        try coordinator.tick()
        try finish("a", code: 1, done: false)
        try coordinator.tick()
        var record = try XCTUnwrap(try queue.run("a"))
        XCTAssertEqual(record.state, .queued)
        XCTAssertEqual(record.restarts, 1)
        XCTAssertEqual(record.notBefore, now + 10)
        XCTAssertEqual(record.error, "exited with status 1")
        try coordinator.tick()
        XCTAssertEqual(launcher.launched.count, 1, "not before the backoff")
        now += 10
        try coordinator.tick()
        XCTAssertEqual(try state("a"), .running)
        XCTAssertEqual(try queue.run("a")?.attempt, 2)
        // Exit 0 without a done event is a failure too; then the backoff doubles.
        try finish("a", code: 0, done: false)
        try coordinator.tick()
        XCTAssertEqual(try queue.run("a")?.notBefore, now + 20)
        now += 20
        try coordinator.tick()
        try finish("a", code: 137, done: false)
        try coordinator.tick()
        record = try XCTUnwrap(try queue.run("a"))
        XCTAssertEqual(record.state, .failed)
        XCTAssertEqual(record.restarts, 2)
        XCTAssertEqual(record.error, "exited with status 137")
    }

    func testAnAttemptWithoutEventsForTheTimeoutIsStoppedAndRequeued() throws {
        try queue.submit([spec("a", root: directory)], now: now)
        let coordinator = coordinator()
        try coordinator.tick()
        now += 50
        try appendEvents("\(directory)/a", [["event": "heartbeat", "time": now]])
        try coordinator.tick()
        now += 50
        try coordinator.tick()
        XCTAssertEqual(try state("a"), .running, "the heartbeat 50 s ago keeps it alive")
        now += 11
        try coordinator.tick()
        XCTAssertEqual(launcher.terminated, [try XCTUnwrap(launcher.pid("a"))])
        XCTAssertEqual(try state("a"), .queued)
        XCTAssertEqual(try queue.run("a")?.error, "no event for 61 s (hung, or a node was lost); stopped")
    }

    func testEventsOfEarlierAttemptsDoNotCount() throws {
        try appendEvents("\(directory)/a", [["event": "started"], ["event": "done"]])
        try queue.submit([spec("a", root: directory)], now: now)
        let coordinator = coordinator()
        try coordinator.tick()
        launcher.statuses[try XCTUnwrap(launcher.pid("a"))] = .exited(code: 0)
        try coordinator.tick()
        XCTAssertEqual(try state("a"), .queued, "the old done event was before this attempt's offset")
    }

    func testARepeatedlyFailingHostLeavesThePool() throws {
        options.hostFailureLimit = 2
        options.maxRestarts = 5
        options.backoff = 0
        try queue.submit([spec("a", root: directory)], now: now)
        let coordinator = coordinator()
        for _ in 0..<2 {
            try coordinator.tick()
            try finish("a", code: 1, done: false)
            try coordinator.tick()
        }
        XCTAssertNotNil(try queue.hosts().first?.disabledReason)
        try coordinator.tick()
        XCTAssertEqual(launcher.launched.count, 2, "no usable slots left")
        XCTAssertEqual(try state("a"), .queued)
    }

    func testALaunchFailureCountsAsAFailedAttempt() throws {
        launcher.failLaunch = true
        try queue.submit([spec("a", root: directory)], now: now)
        try coordinator().tick()
        XCTAssertEqual(try state("a"), .queued)
        XCTAssertEqual(try queue.run("a")?.error, "could not start: fake launch failure")
    }

    func testCancelStopsARunningRunAndTheDaemonLetsItGo() throws {
        try queue.submit([spec("a", root: directory), spec("b", root: directory)], now: now)
        let coordinator = coordinator()
        try coordinator.tick()
        try Cancellation.cancel("a", queue: queue, launcher: launcher, grace: 0)
        try Cancellation.cancel("b", queue: queue, launcher: launcher, grace: 0)
        XCTAssertThrowsError(try Cancellation.cancel("a", queue: queue, launcher: launcher, grace: 0)) { XCTAssertEqual("\($0)", "run 'a' is already cancelled") }
        XCTAssertThrowsError(try Cancellation.cancel("zz", queue: queue, launcher: launcher, grace: 0))
        try coordinator.tick()
        XCTAssertEqual(try ["a", "b"].map(state), [.cancelled, .cancelled])
        XCTAssertEqual(launcher.launched.count, 2)
    }

    // MARK: Recovery

    func testARestartedCoordinatorReattachesToLiveRunsAndLaunchesNothingTwice() throws {
        try queue.submit([spec("a", root: directory), spec("b", root: directory), spec("c", root: directory)], now: now)
        try coordinator().tick()
        // The coordinator dies; meanwhile a finishes, b keeps running.
        try finish("a", code: nil, done: true)
        let restarted = coordinator()
        try restarted.recover()
        try restarted.tick()
        XCTAssertEqual(try ["a", "b", "c"].map(state), [.done, .running, .running])
        XCTAssertEqual(launcher.launched.map(\.run.name), ["a", "b", "c"])
        try finish("b", code: nil, done: true)
        try finish("c", code: nil, done: true)
        try restarted.tick()
        XCTAssertEqual(try ["a", "b", "c"].map(state), [.done, .done, .done])
        XCTAssertEqual(launcher.launched.count, 3)
    }

    func testARunThatDiedWhileTheCoordinatorWasAwayIsResumed() throws {
        try queue.submit([spec("a", root: directory)], now: now)
        try coordinator().tick()
        try finish("a", code: nil, done: false)
        let restarted = coordinator()
        try restarted.recover()
        try restarted.tick()
        XCTAssertEqual(try state("a"), .queued)
        XCTAssertEqual(try queue.run("a")?.error, "ended while the coordinator was not watching")
    }

    func testAnAttemptCaughtWhileStartingIsStoppedByItsTagAndQueuedAgain() throws {
        try queue.submit([spec("a", root: directory)], now: now)
        // As if the coordinator died between marking it starting and recording the pid of what it spawned.
        let starting = try XCTUnwrap(try queue.update("a", from: [.queued]) { $0.state = .starting; $0.attempt = 1 })
        _ = try launcher.launch(starting, tag: coordinator().tag(starting))
        let orphan = try XCTUnwrap(launcher.pid("a"))
        let restarted = coordinator()
        try restarted.recover()
        XCTAssertEqual(launcher.terminated, [orphan])
        XCTAssertEqual(try queue.run("a")?.state, .queued)
        XCTAssertEqual(try queue.run("a")?.restarts, 0, "not the run's fault")
        try restarted.tick()
        XCTAssertEqual(try queue.run("a")?.attempt, 2)
        XCTAssertEqual(launcher.statuses.values.filter { $0 == .running }.count, 1, "exactly one live attempt")
    }
}
