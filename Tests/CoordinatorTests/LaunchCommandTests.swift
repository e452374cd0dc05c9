import XCTest
@testable import Coordinator

final class LaunchCommandTests: XCTestCase {
    private func record(ranks: Int, placement: [HostSlots]) -> RunRecord {
        var run = RunRecord(spec: RunSpec(name: "r", sweep: "s", size: "n", variant: "spd", model: "m", seed: 0, experiment: "/e.yaml",
                                          settings: ["name=r", "seed=0"], workdir: "/w", runDirectory: "/runs/r", ranks: ranks, imgsz: 64), submittedAt: 0)
        run.placement = placement
        return run
    }

    func testAOneRankLocalRunIsSpdTrainItself() {
        let command = LaunchCommand(run: record(ranks: 1, placement: [HostSlots(host: "localhost", slots: 1)]), spd: "/bin/spd", mpirun: "mpirun",
                                    asRoot: true, localHosts: ["localhost"])
        XCTAssertEqual(command.executable, "/bin/spd")
        XCTAssertEqual(command.arguments, ["train", "/e.yaml", "--run-dir", "/runs/r", "--resume-if-exists", "--set", "name=r", "--set", "seed=0"])
    }

    func testOtherRunsGoThroughMpirunWithThePlacement() {
        let command = LaunchCommand(run: record(ranks: 3, placement: [HostSlots(host: "a", slots: 2), HostSlots(host: "b", slots: 1)]), spd: "/bin/spd",
                                    mpirun: "mpirun", asRoot: false, localHosts: ["localhost"])
        XCTAssertEqual(command.executable, "mpirun")
        XCTAssertEqual(command.arguments.joined(separator: " "),
                       "--host a:2,b:1 -np 3 --wdir /w --mca pml ob1 --mca btl self,vader,tcp --bind-to none -x OPENBLAS_NUM_THREADS=1 "
                       + "-x SPD_COORDINATOR_TAG /bin/spd train /e.yaml --run-dir /runs/r --resume-if-exists --set name=r --set seed=0")
        let remote = LaunchCommand(run: record(ranks: 1, placement: [HostSlots(host: "a", slots: 1)]), spd: "/bin/spd", mpirun: "mpirun", asRoot: true,
                                   localHosts: ["localhost"])
        XCTAssertEqual(remote.executable, "mpirun", "one rank on another host still needs mpirun")
        XCTAssertTrue(remote.arguments.contains("--allow-run-as-root"))
    }
}
