import XCTest
@testable import Coordinator

final class SchedulerTests: XCTestCase {
    private func queued(_ runs: [(String, Int)], bypassed: [String: Int] = [:]) -> [RunRecord] {
        runs.enumerated().map { index, run in
            var record = RunRecord(spec: spec(run.0, ranks: run.1), submittedAt: 0)
            record.id = Int64(index + 1)
            record.bypassed = bypassed[run.0] ?? 0
            return record
        }
    }

    func testPlacementPrefersTheFullestHostThatHoldsAllRanks() {
        let free = [HostSlots(host: "a", slots: 8), HostSlots(host: "b", slots: 3), HostSlots(host: "c", slots: 4)]
        XCTAssertEqual(Scheduler.place(ranks: 3, on: free), [HostSlots(host: "b", slots: 3)])
        XCTAssertEqual(Scheduler.place(ranks: 4, on: free), [HostSlots(host: "c", slots: 4)])
        XCTAssertEqual(Scheduler.place(ranks: 10, on: free), [HostSlots(host: "a", slots: 8), HostSlots(host: "c", slots: 2)])
        XCTAssertNil(Scheduler.place(ranks: 16, on: free))
    }

    func testRunsArePackedWithoutOversubscribing() {
        let plan = Scheduler(maxBypass: 4).plan(queued: queued([("a", 2), ("b", 1), ("c", 2), ("d", 1)]),
                                                free: [HostSlots(host: "h1", slots: 2), HostSlots(host: "h2", slots: 2)], poolSlots: 4)
        XCTAssertEqual(plan.starts.map(\.name), ["a", "b", "d"])
        XCTAssertEqual(plan.starts.map(\.placement), [[HostSlots(host: "h1", slots: 2)], [HostSlots(host: "h2", slots: 1)], [HostSlots(host: "h2", slots: 1)]])
        XCTAssertEqual(plan.head?.name, "c")
        XCTAssertEqual(plan.head?.bypassed, 1)
    }

    func testALargeRunIsNotStarvedByAStreamOfSmallOnes() {
        // 4 slots, 2 busy: the 4-rank run waits; small runs may pass it only maxBypass times in all.
        let scheduler = Scheduler(maxBypass: 2)
        let free = [HostSlots(host: "h", slots: 2)]
        var plan = scheduler.plan(queued: queued([("big", 4), ("s1", 1), ("s2", 1)]), free: free, poolSlots: 4)
        XCTAssertEqual(plan.starts.map(\.name), ["s1", "s2"])
        XCTAssertEqual(plan.head?.bypassed, 2)
        plan = scheduler.plan(queued: queued([("big", 4), ("s3", 1)], bypassed: ["big": 2]), free: free, poolSlots: 4)
        XCTAssertEqual(plan.starts.map(\.name), [], "the head has been passed enough: the slots drain for it")
        plan = scheduler.plan(queued: queued([("big", 4), ("s3", 1)], bypassed: ["big": 2]), free: [HostSlots(host: "h", slots: 4)], poolSlots: 4)
        XCTAssertEqual(plan.starts.map(\.name), ["big"])
    }

    func testARunLargerThanThePoolWaitsWithoutBlockingOthers() {
        let plan = Scheduler(maxBypass: 0).plan(queued: queued([("huge", 9), ("small", 1)]), free: [HostSlots(host: "h", slots: 2)], poolSlots: 2)
        XCTAssertEqual(plan.starts.map(\.name), ["small"])
        XCTAssertNil(plan.head)
    }

    func testFreeSlotsSkipDisabledHostsAndSubtractActiveRuns() {
        var running = RunRecord(spec: spec("r", ranks: 3), submittedAt: 0)
        running.placement = [HostSlots(host: "a", slots: 2), HostSlots(host: "b", slots: 1)]
        let hosts = [HostStatus(host: "a", slots: 4, failures: 0), HostStatus(host: "b", slots: 2, failures: 0),
                     HostStatus(host: "c", slots: 8, failures: 3, disabledReason: "bad")]
        XCTAssertEqual(Scheduler.freeSlots(hosts: hosts, active: [running]), [HostSlots(host: "a", slots: 2), HostSlots(host: "b", slots: 1)])
    }

    func testRanksFromModelCostDivideTheBatchAndFitThePool() {
        let cost = ModelCost(parameters: 1, gflops: 17)
        XCTAssertEqual(cost.ranks(gflopsPerRank: 4, globalBatch: 64, maximum: 100), 4, "5 wanted, 4 divides 64")
        XCTAssertEqual(cost.ranks(gflopsPerRank: 4, globalBatch: 60, maximum: 100), 5)
        XCTAssertEqual(cost.ranks(gflopsPerRank: 4, globalBatch: 60, maximum: 3), 3)
        XCTAssertEqual(ModelCost(parameters: 1, gflops: 0.1).ranks(gflopsPerRank: 4, globalBatch: 64, maximum: 8), 1)
    }
}
