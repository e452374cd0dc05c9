/// pycocotools' `Params(iouType='bbox')`, the settings of the standard box evaluation.
enum COCOParameters {
    /// 0.50:0.05:0.95, as `np.linspace` computes them (the ninth is 0.8999999999999999).
    static let iouThresholds = linspace(0.5, 0.95, count: 10)
    /// 0:0.01:1, 101 points.
    static let recallThresholds = linspace(0, 1, count: 101)
    /// Detections kept per image and category, ascending; the last bounds matching.
    static let maxDetections = [1, 10, 100]
    /// Object areas of all, small, medium and large objects; both bounds belong to the range.
    static let areaRanges: [ClosedRange<Double>] = [0...1e10, 0...1024, 1024...9216, 9216...1e10]
    static let areaLabels = ["all", "small", "medium", "large"]
}

/// `np.linspace(start, stop, count)`: `start + i * step`, the last point exactly `stop`.
private func linspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
    let step = (stop - start) / Double(count - 1)
    return (0..<count).map { $0 == count - 1 ? stop : Double($0) * step + start }
}
