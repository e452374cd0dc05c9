import Foundation

/// One of the 12 numbers of pycocotools' `summarize()`: which precisions or recalls it averages.
public struct COCOStatistic: Sendable {
    /// A short name: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.
    public let name: String
    let isPrecision: Bool
    /// One IoU threshold, or nil for the mean over 0.50:0.95.
    let iouThreshold: Double?
    let areaIndex: Int
    let maxDetections: Int

    /// The 12 statistics in pycocotools' order.
    public static let all: [COCOStatistic] = [
        COCOStatistic(name: "AP", isPrecision: true, iouThreshold: nil, areaIndex: 0, maxDetections: 100),
        COCOStatistic(name: "AP50", isPrecision: true, iouThreshold: 0.5, areaIndex: 0, maxDetections: 100),
        COCOStatistic(name: "AP75", isPrecision: true, iouThreshold: 0.75, areaIndex: 0, maxDetections: 100),
        COCOStatistic(name: "APs", isPrecision: true, iouThreshold: nil, areaIndex: 1, maxDetections: 100),
        COCOStatistic(name: "APm", isPrecision: true, iouThreshold: nil, areaIndex: 2, maxDetections: 100),
        COCOStatistic(name: "APl", isPrecision: true, iouThreshold: nil, areaIndex: 3, maxDetections: 100),
        COCOStatistic(name: "AR1", isPrecision: false, iouThreshold: nil, areaIndex: 0, maxDetections: 1),
        COCOStatistic(name: "AR10", isPrecision: false, iouThreshold: nil, areaIndex: 0, maxDetections: 10),
        COCOStatistic(name: "AR100", isPrecision: false, iouThreshold: nil, areaIndex: 0, maxDetections: 100),
        COCOStatistic(name: "ARs", isPrecision: false, iouThreshold: nil, areaIndex: 1, maxDetections: 100),
        COCOStatistic(name: "ARm", isPrecision: false, iouThreshold: nil, areaIndex: 2, maxDetections: 100),
        COCOStatistic(name: "ARl", isPrecision: false, iouThreshold: nil, areaIndex: 3, maxDetections: 100),
    ]

    /// The mean of the category curves' entries this statistic selects that are not -1, or -1 if all are; the
    /// entries are taken in the order pycocotools' array holds them (threshold, recall threshold, category).
    func value(over categories: [CategoryCurves]) -> Double {
        let thresholds = COCOParameters.iouThresholds.indices.filter { iouThreshold == nil || COCOParameters.iouThresholds[$0] == iouThreshold }
        guard let maxIndex = COCOParameters.maxDetections.firstIndex(of: maxDetections) else { return -1 }
        let recallCount = COCOParameters.recallThresholds.count
        var selected: [Double] = []
        for threshold in thresholds {
            let curve = CategoryCurves.curveIndex(area: areaIndex, maxDetections: maxIndex, threshold: threshold)
            if isPrecision {
                for recall in 0..<recallCount {
                    selected += categories.map { $0.precision[curve * recallCount + recall] }.filter { $0 > -1 }
                }
            } else {
                selected += categories.map { $0.recall[curve] }.filter { $0 > -1 }
            }
        }
        return selected.isEmpty ? -1 : numpyMean(selected)
    }

    /// The line `summarize()` prints for `value`.
    func line(value: Double) -> String {
        let title = isPrecision ? "Average Precision  (AP)" : "Average Recall     (AR)"
        let iou = iouThreshold.map { String(format: "%0.2f", $0) }
            ?? String(format: "%0.2f:%0.2f", COCOParameters.iouThresholds.first!, COCOParameters.iouThresholds.last!)
        let area = COCOParameters.areaLabels[areaIndex]
        return String(format: " %@ @[ IoU=%@ | area=%@ | maxDets=%3d ] = %0.3f",
                      title, iou.padding(toLength: 9, withPad: " ", startingAt: 0),
                      String(repeating: " ", count: max(0, 6 - area.count)) + area, maxDetections, value)
    }
}

/// The 12 COCO box statistics, -1 where nothing could be measured.
public struct COCOSummary: Sendable, Equatable {
    /// The values in the order of `COCOStatistic.all` (pycocotools' `stats`).
    public let values: [Double]

    init(categories: [CategoryCurves]) {
        values = COCOStatistic.all.map { $0.value(over: categories) }
    }

    /// mAP@0.5:0.95.
    public var ap: Double { values[0] }
    /// mAP@0.5.
    public var ap50: Double { values[1] }

    /// The 12 lines pycocotools' `summarize()` prints.
    public var lines: [String] {
        zip(COCOStatistic.all, values).map { $0.line(value: $1) }
    }

    /// A JSON object of the statistics by name, in pycocotools' order.
    public var json: String {
        "{" + zip(COCOStatistic.all, values).map { "\"\($0.name)\": \($1)" }.joined(separator: ", ") + "}\n"
    }
}
