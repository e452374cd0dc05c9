@testable import Support
import XCTest

final class SVGChartTests: XCTestCase {
    /// Two series on one panel: a line each, a circle per finite point, error bars, labels and a legend.
    func testPanelWithTwoSeries() {
        let panel = SVGChart.Panel(title: "AP_S <sweep>", xLabel: "parameters", yLabel: "AP_S", series: [
            .init(name: "spd", points: [.init(x: 0, y: 0.1, spread: 0.02, label: "n"), .init(x: 10, y: 0.3, label: "s")]),
            .init(name: "strided", points: [.init(x: 5, y: 0.2), .init(x: 7, y: .nan)]),
        ])
        let svg = SVGChart(panels: [panel]).svg
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"420\""))
        XCTAssertTrue(svg.hasSuffix("</svg>\n"))
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 3, "the NaN point is left out")
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 1, "a series of one visible point has no line")
        XCTAssertTrue(svg.contains(">AP_S &lt;sweep&gt;</text>"), "titles are escaped")
        XCTAssertTrue(svg.contains(">strided</text>") && svg.contains(">spd</text>"), "legend")
        XCTAssertTrue(svg.contains(">n</text>") && svg.contains(">s</text>"), "point labels")
        // The axes run from the lowest to the highest value, padded by 5%: x from -0.5 to 10.5 over 58...478 (a legend to the right).
        XCTAssertTrue(svg.contains("<circle cx=\"77.1\""), svg)
        // One error bar, from y - 0.02 to y + 0.02.
        XCTAssertEqual(svg.components(separatedBy: "<line x1=\"77.1\"").count - 1, 1)
    }

    func testGridOfPanelsAndEmptyPanel() {
        let panels = (0..<5).map { index in
            SVGChart.Panel(title: "p\(index)", series: [.init(name: "a", points: index == 4 ? [] : [.init(x: 1, y: Double(index))])])
        }
        let svg = SVGChart(title: "runs", panels: panels, columns: 2, panelWidth: 100, panelHeight: 50).svg
        XCTAssertTrue(svg.contains("width=\"200\" height=\"178\""), "2 columns x 3 rows of 100 x 50 and a 28-pixel title")
        XCTAssertTrue(svg.contains(">no data</text>"))
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 4)
    }

    func testTickLabels() {
        XCTAssertEqual(SVGChart.tick(2_256_157), "2.26M")
        XCTAssertEqual(SVGChart.tick(45_000), "45k")
        XCTAssertEqual(SVGChart.tick(0.12345), "0.123")
        XCTAssertEqual(SVGChart.tick(1234), "1234")
        XCTAssertEqual(SVGChart.tick(-0.5), "-0.5")
    }
}
