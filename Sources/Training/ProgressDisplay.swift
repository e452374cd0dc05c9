import Foundation

/// A one-line progress bar on a terminal, redrawn in place: epoch, step, bar, running mean losses, images/s, ETA
/// of the epoch. (Without a terminal the trainer prints periodic log lines instead.)
final class ProgressDisplay {
    private var epochStart = Date()
    private var lastDraw = Date.distantPast
    private var currentEpoch = -1

    func update(epoch: Int, epochs: Int, step: Int, steps: Int, losses: [(String, Double)], imagesPerSecond: Double) {
        if epoch != currentEpoch { currentEpoch = epoch; epochStart = Date() }
        guard step == steps || Date().timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = Date()
        let width = 24, filled = steps > 0 ? width * step / steps : width
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let elapsed = Date().timeIntervalSince(epochStart)
        let eta = step > 0 ? elapsed / Double(step) * Double(steps - step) : 0
        let text = String(format: "\r epoch %d/%d %5d/%-5d [%@] ", epoch + 1, epochs, step, steps, bar)
            + losses.map { String(format: "%@ %.4f", $0.0, $0.1) }.joined(separator: " ")
            + String(format: "  %.1f img/s  ETA %d:%02d ", imagesPerSecond, Int(eta) / 60, Int(eta) % 60)
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    func finish() {
        FileHandle.standardOutput.write(Data("\n".utf8))
        currentEpoch = -1
    }
}
