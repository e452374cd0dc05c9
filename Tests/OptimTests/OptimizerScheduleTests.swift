import Optim
import RunFormat
import XCTest

/// YOLOv5's per-iteration schedule: warmup, the learning-rate factor per epoch and the reference's one-epoch lag.
final class OptimizerScheduleTests: XCTestCase {
    /// With the lag, after warmup epoch e runs at lf(e - 1), and the epoch in which warmup ended keeps lf(that epoch).
    func testLearningRateLagFollowsTheReference() {
        var hyp = Hyperparameters()
        hyp.warmup_epochs = 0
        hyp.warmup_min_iterations = 20
        let lagged = OptimizerSchedule(hyperparameters: hyp, schedule: .cosine, epochs: 10, batchesPerEpoch: 8, globalBatch: 8, lagsOneEpoch: true)
        let plain = OptimizerSchedule(hyperparameters: hyp, schedule: .cosine, epochs: 10, batchesPerEpoch: 8, globalBatch: 8)
        func lf(_ e: Int) -> Double { hyp.lr0 * LearningRateSchedule.cosine.factor(epoch: e, epochs: 10, finalFactor: hyp.lrf) }
        XCTAssertEqual(lagged.settings(iteration: 23, epoch: 2).learningRates[.weight], lf(2), "warmup ended in epoch 2 (iteration 20)")
        XCTAssertEqual(lagged.settings(iteration: 24, epoch: 3).learningRates[.weight], lf(2))
        XCTAssertEqual(lagged.settings(iteration: 79, epoch: 9).learningRates[.weight], lf(8))
        XCTAssertEqual(plain.settings(iteration: 79, epoch: 9).learningRates[.weight], lf(9))
        XCTAssertEqual(lagged.settings(iteration: 10, epoch: 1), plain.settings(iteration: 10, epoch: 1), "warmup is the same")
    }
}
