import Coordinator
import XCTest

/// The project's one mpirun command line for each kind of layout.
final class MPIRunOptionsTests: XCTestCase {
    func testLocalRanksAreBoundOnePerCoreOverSharedMemory() {
        let options = MPIRunOptions(ranks: 2, hosts: .local(slots: 2), asRoot: true)
        XCTAssertEqual(options.arguments.joined(separator: " "),
                       "-np 2 --mca pml ob1 --mca btl self,vader --map-by core --bind-to core -x OPENBLAS_NUM_THREADS=1 --allow-run-as-root")
        XCTAssertEqual(options.layout, ["layout: 2 rank(s) on: this machine (2 cores)",
                                        "binding: one core per rank; OpenBLAS threads per rank: 1; transport: shared memory (vader), one node"])
    }

    func testMoreRanksThanCoresOversubscribeUnbound() {
        let options = MPIRunOptions(ranks: 4, hosts: .local(slots: 2), exported: ["SPD_WATCHDOG_SECONDS"], asRoot: false)
        XCTAssertEqual(options.arguments.joined(separator: " "),
                       "-np 4 --mca pml ob1 --mca btl self,vader --oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS=1 -x SPD_WATCHDOG_SECONDS")
    }

    func testHostfileAcrossNodesUsesTCPOnTheGivenNetwork() {
        let options = MPIRunOptions(ranks: nil, hosts: .hostfile(path: "hosts", hosts: [HostSlots(host: "n1", slots: 2), HostSlots(host: "n2", slots: 2)]),
                                    network: "10.0.0.0/24", asRoot: false)
        XCTAssertEqual(options.slots, 4)
        XCTAssertEqual(options.arguments.joined(separator: " "),
                       "--hostfile hosts --mca pml ob1 --mca btl self,vader,tcp --mca btl_tcp_if_include 10.0.0.0/24 --mca oob_tcp_if_include 10.0.0.0/24 "
                       + "--map-by core --bind-to core -x OPENBLAS_NUM_THREADS=1")
        XCTAssertEqual(options.layout[0], "layout: 4 rank(s) on: n1 slots=2; n2 slots=2")
    }

    func testAnAllocationLeavesHostsAndRanksToTheBatchSystem() {
        let options = MPIRunOptions(ranks: nil, hosts: .allocation, exported: ["SPD_WATCHDOG_SECONDS"], asRoot: false)
        XCTAssertFalse(options.isOversubscribed)
        XCTAssertEqual(options.layout[0], "layout: the allocation's ranks on: the batch system's allocation")
        XCTAssertEqual(options.arguments.joined(separator: " "),
                       "--mca pml ob1 --mca btl self,vader,tcp --map-by core --bind-to core -x OPENBLAS_NUM_THREADS=1 -x SPD_WATCHDOG_SECONDS")
    }

    func testATermGraceGivesTheRanksThatLongAfterSIGTERM() {
        let options = MPIRunOptions(ranks: nil, hosts: .allocation, termGraceSeconds: 28, asRoot: false)
        XCTAssertEqual(options.arguments.joined(separator: " "),
                       "--mca pml ob1 --mca btl self,vader,tcp --map-by core --bind-to core -x OPENBLAS_NUM_THREADS=1 --mca odls_base_sigkill_timeout 28")
    }
}
