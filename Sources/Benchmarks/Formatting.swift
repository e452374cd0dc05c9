import Support

/// Formats a number with a fixed number of decimals.
public func fixed(_ value: Double, _ decimals: Int = 1) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if decimals == 0 { return String(Int(rounded)) }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    let fraction = parts.count > 1 ? String(parts[1]) : ""
    text = String(parts[0]) + "." + fraction.padding(toLength: decimals, withPad: "0", startingAt: 0)
    return text
}

/// The fastest of `repeats` timings of `body` after one warm-up run: on a shared machine the minimum is the
/// most repeatable estimate of what the code itself costs.
public func bestSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var best = Double.infinity
    for _ in 0..<max(repeats, 1) {
        let start = monotonicSeconds()
        try body()
        best = min(best, monotonicSeconds() - start)
    }
    return best
}
