import Distributed
import Foundation
import Models
import Tensor
import Training
import XCTest
import Support

/// Synchronised batch norm: a conv block run on two ranks with half the batch each (statistics all-reduced) gives
/// the outputs and (averaged, loss-scaled) gradients of one rank with the whole batch.
final class SyncBatchNormTests: XCTestCase {
    private static func block(_ context: ModelContext) -> ConvBlock {
        let block = ConvBlock(context, yolo: "b", 3, 4, kernel: 3)
        try! context.state.finalize(file: "test")  // 27 parameters: far inside the budget
        var random = SeededGenerator(seed: 4)
        block.initialize(&random)
        return block
    }

    func testTwoHalvesEqualTheWholeBatch() throws {
        var random = SeededGenerator(seed: 8)
        let whole = TensorShape(n: 4, h: 6, w: 5, c: 3)
        let input = (0..<whole.count).map { _ in random.uniform(-1, 1) }
        let upstream = (0..<(4 * 6 * 5 * 4)).map { _ in random.uniform(-1, 1) }
        let context = ModelContext()
        let reference = Self.block(context)
        let output = try reference.forward(Tensor(whole, values: input), training: true).values
        let inputGradient = Tensor(whole)
        reference.backward(Tensor(TensorShape(n: 4, h: 6, w: 5, c: 4), values: upstream), inputGradient: inputGradient, accumulate: false)
        let expectedGradients = Array(context.state.gradientBuffer), expectedInputGradient = inputGradient.values

        let results = ResultsBox()
        let group = InProcessGroup(size: 2)
        try group.run { communicator in
            let context = ModelContext()
            let reducer = CommunicatorStatisticsReducer(communicator: communicator)
            context.statisticsReducer = reducer
            let half = SyncBatchNormTests.block(context)
            let r = communicator.rank, perRank = whole.count / 2, upstreamPerRank = upstream.count / 2
            let shape = TensorShape(n: 2, h: 6, w: 5, c: 3)
            let out = try half.forward(Tensor(shape, values: Array(input[(r * perRank)..<((r + 1) * perRank)])), training: true).values
            let gradient = Tensor(shape)
            half.backward(Tensor(TensorShape(n: 2, h: 6, w: 5, c: 4), values: Array(upstream[(r * upstreamPerRank)..<((r + 1) * upstreamPerRank)])),
                          inputGradient: gradient, accumulate: false)
            try communicator.allreduce(context.state.gradientBuffer)  // summed over ranks: the whole batch's gradient
            results.set(rank: r, output: out, inputGradient: gradient.values, gradients: Array(context.state.gradientBuffer))
        }
        let output2 = results.outputs[0]! + results.outputs[1]!, inputGradient2 = results.inputGradients[0]! + results.inputGradients[1]!
        for (a, b) in zip(output2, output) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        for (a, b) in zip(inputGradient2, expectedInputGradient) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        for (a, b) in zip(results.gradients[0]!, expectedGradients) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b))) }
    }
}

private final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    var outputs: [Int: [Float]] = [:], inputGradients: [Int: [Float]] = [:], gradients: [Int: [Float]] = [:]
    func set(rank: Int, output: [Float], inputGradient: [Float], gradients: [Float]) {
        lock.lock(); outputs[rank] = output; inputGradients[rank] = inputGradient; self.gradients[rank] = gradients; lock.unlock()
    }
}
