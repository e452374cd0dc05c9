import XCTest
@testable import Coordinator

final class RunQueueTests: XCTestCase {
    func testSubmitKeepsOrderAndRejectsDuplicateNamesWhole() throws {
        let queue = try RunQueue(path: "\(try temporaryDirectory(self))/queue.sqlite")
        try queue.submit([spec("a"), spec("b")], now: 1)
        XCTAssertThrowsError(try queue.submit([spec("c"), spec("a")], now: 2)) {
            XCTAssertEqual("\($0)", "run 'a' is already in the queue (cancel it, or give the sweep another name)")
        }
        XCTAssertEqual(try queue.runs().map(\.name), ["a", "b"], "nothing of a rejected submission is queued")
        XCTAssertEqual(try queue.runs().map(\.state), [.queued, .queued])
    }

    func testUpdateHappensOnlyFromTheExpectedStateAndAttempt() throws {
        let queue = try RunQueue(path: "\(try temporaryDirectory(self))/queue.sqlite")
        try queue.submit([spec("a")], now: 1)
        XCTAssertNotNil(try queue.update("a", from: [.queued], attempt: 0) { $0.state = .starting; $0.attempt = 1 })
        XCTAssertNil(try queue.update("a", from: [.queued]) { $0.state = .cancelled })
        XCTAssertNil(try queue.update("a", from: [.starting], attempt: 0) { $0.state = .cancelled })
        let record = try XCTUnwrap(try queue.update("a", from: [.starting], attempt: 1) {
            $0.state = .running
            $0.process = .process(ProcessIdentity(pid: 5, processGroup: 5, startTicks: 9))
            $0.placement = [HostSlots(host: "h", slots: 1)]
        })
        XCTAssertEqual(try queue.run("a"), record, "the record round-trips through SQLite")
    }

    func testTheStateSurvivesReopeningAndConcurrentQueues() throws {
        let path = "\(try temporaryDirectory(self))/queue.sqlite"
        let first = try RunQueue(path: path), second = try RunQueue(path: path)
        try first.submit([spec("a")], now: 1)
        XCTAssertEqual(try second.run("a")?.state, .queued)
        try second.update("a", from: [.queued]) { $0.state = .cancelled }
        XCTAssertEqual(try RunQueue(path: path).run("a")?.state, .cancelled)
    }

    func testHostsLeaveThePoolAfterRepeatedFailuresAndSuccessResetsTheCount() throws {
        let queue = try RunQueue(path: "\(try temporaryDirectory(self))/queue.sqlite")
        try queue.setHosts([HostSlots(host: "a", slots: 2), HostSlots(host: "b", slots: 2)])
        XCTAssertEqual(try queue.recordFailure(hosts: ["a", "b"], limit: 2, reason: "r1"), [])
        try queue.recordSuccess(hosts: ["b"])
        XCTAssertEqual(try queue.recordFailure(hosts: ["a", "b"], limit: 2, reason: "r2"), ["a"])
        let hosts = try queue.hosts()
        XCTAssertEqual(hosts.map(\.failures), [2, 1])
        XCTAssertEqual(hosts[0].disabledReason, "2 failed runs in a row, the last: r2")
        try queue.setHosts([HostSlots(host: "a", slots: 4), HostSlots(host: "c", slots: 1)])
        XCTAssertEqual(try queue.hosts().map(\.host), ["a", "c"])
        XCTAssertEqual(try queue.hosts().first?.slots, 4)
        XCTAssertNotNil(try queue.hosts().first?.disabledReason, "a restart with the same hostfile keeps a bad host out")
    }
}
