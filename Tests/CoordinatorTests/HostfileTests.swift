import XCTest
@testable import Coordinator

final class HostfileTests: XCTestCase {
    func testParsesSlotsCommentsDefaultsAndRepeats() throws {
        let hosts = try Hostfile.parse("""
            # cluster
            node1 slots=4 max_slots=8
            node2            # one slot by default
            \tnode3 slots=2
            node1 slots=2

            """, file: "hosts")
        XCTAssertEqual(hosts, [HostSlots(host: "node1", slots: 6), HostSlots(host: "node2", slots: 1), HostSlots(host: "node3", slots: 2)])
    }

    func testErrorsNameTheFileAndLine() {
        XCTAssertThrowsError(try Hostfile.parse("a slots=2\nb slots=x\n", file: "hosts")) {
            XCTAssertEqual("\($0)", "hosts:2: expected 'host slots=N', got 'slots=x'")
        }
        XCTAssertThrowsError(try Hostfile.parse("a cpus=2\n", file: "hosts")) {
            XCTAssertEqual("\($0)", "hosts:1: unknown hostfile field 'cpus' (known: slots, max_slots)")
        }
    }

    func testAHostfileWithoutSlotsIsAnError() {
        for text in ["", "# nothing\n", "a slots=0\n"] {
            XCTAssertThrowsError(try Hostfile.parse(text, file: "empty")) {
                XCTAssertEqual("\($0)", "empty: the hostfile has no slots (expected lines like 'localhost slots=2')")
            }
        }
        XCTAssertThrowsError(try Hostfile.load("/nonexistent/hosts")) { XCTAssertEqual("\($0)", "/nonexistent/hosts: no such file") }
    }
}
