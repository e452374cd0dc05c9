import Plots
import XCTest

final class LabelsChartTests: XCTestCase {
    /// Bars scaled to the largest class, names under 30 classes, one dot per box in each scatter.
    func testBarsNamesAndDots() {
        let svg = LabelsChart.svg((images: 3, classCounts: [4, 2], boxes: [(0.5, 0.5, 0.2, 0.1), (0.25, 0.75, 0.5, 0.5)]), classNames: ["cat", "dog"])
        XCTAssertTrue(svg.contains("Labels of the 3 training images (6 instances)"))
        XCTAssertTrue(svg.contains("height=\"360.0\" fill=\"#1f77b4\""), "the largest class fills the panel")
        XCTAssertTrue(svg.contains("height=\"180.0\" fill=\"#d62728\""), "half as many: half the height")
        XCTAssertTrue(svg.contains(">cat</text>") && svg.contains(">dog</text>"))
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 4, "two boxes in two scatters")
    }
}
