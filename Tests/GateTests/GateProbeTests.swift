import Foundation
import XCTest

/// Proves that the test gate can fail: with SPD_TEST_GATE_PROBE=1 this test fails on purpose, and cluster/gate-test
/// checks that cluster/test's unit-test step then exits non-zero and names it. Without the variable it passes.
final class GateProbeTests: XCTestCase {
    func testGateProbe() {
        let probe = ProcessInfo.processInfo.environment["SPD_TEST_GATE_PROBE"] == "1"
        XCTAssertFalse(probe, "SPD_TEST_GATE_PROBE=1: this failure is deliberate (cluster/gate-test checks that the gate stops on it)")
    }
}
