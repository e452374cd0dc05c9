import Foundation
import Support
import XCTest

/// Charts rendered to PNG by rsvg-convert (librsvg2-bin, installed by cluster/setup).
final class PNGRenderingTests: XCTestCase {
    private func pngSize(_ path: String) throws -> (Int, Int) {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "the PNG signature")
        let be = { (o: Int) in bytes[o..<(o + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))  // IHDR width and height
    }

    func testAChartBecomesAPNGOfItsSize() throws {
        let directory = NSTemporaryDirectory() + "spd-png-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let chart = SVGChart(panels: [SVGChart.Panel(title: "t", series: [SVGChart.Series(name: "a", points: [SVGChart.Point(x: 0, y: 1), SVGChart.Point(x: 1, y: 2)])])],
                             panelWidth: 300, panelHeight: 200)
        try PNGRendering.writePNG(svg: chart.svg, to: "\(directory)/chart.png")
        let (width, height) = try pngSize("\(directory)/chart.png")
        XCTAssertEqual([width, height], [300, 200])

        XCTAssertThrowsError(try PNGRendering.writePNG(svg: "<svg", to: "\(directory)/bad.png")) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(directory)/bad.png: rsvg-convert failed"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(directory)/bad.png"), "nothing half-written")
    }
}
