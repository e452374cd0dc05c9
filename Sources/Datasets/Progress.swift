import Foundation

/// Counts samples and logs "<what>: N samples, T s" at most every `interval` seconds.
final class Progress {
    private let what: String
    private let interval: Double
    private let log: (String) -> Void
    private let start = Date()
    private var lastReport = Date()
    private(set) var samples = 0

    init(_ what: String, options: ConversionOptions) {
        self.what = what
        interval = options.progressInterval
        log = options.log
    }

    /// Counts one sample, logging if `interval` has passed since the last line.
    func tick() {
        samples += 1
        let now = Date()
        if now.timeIntervalSince(lastReport) >= interval {
            lastReport = now
            log("\(what): \(samples) samples, \(Int(elapsed)) s")
        }
    }

    /// Seconds since creation.
    var elapsed: Double { Date().timeIntervalSince(start) }
}
