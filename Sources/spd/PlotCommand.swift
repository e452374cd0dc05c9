import ArgumentParser
import Foundation
import POSIXFiles
import RunFormat
import Support

/// `spd plot`: line charts of CSV files (a run's results.csv, YOLOv5's own, cluster/scaling's) as one SVG.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Plot CSV columns against one column (e.g. results.csv of several runs) into an SVG file.",
        discussion: """
        One panel per plotted column and one line per file (named by the run directory), or per value of --group. \\
        Example: spd plot runs/a/results.csv runs/b/results.csv --y metrics/mAP_0.5,metrics/AP_S --out compare.svg
        """)

    @Argument(help: "CSV files with a header row.") var files: [String]
    @Option(help: "The column on the x axis (default: the first column).") var x: String?
    @Option(help: "Comma-separated columns to plot (default: every other column).") var y: String?
    @Option(help: "A column whose values split each file's rows into lines.") var group: String?
    @Option(help: "A title above the panels.") var title: String?
    @Option(help: "Panels per row.") var columns = 3
    @Option(help: "The file to write: SVG, or PNG when it ends in .png (rendered by rsvg-convert).") var out: String

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one CSV file") }
        if columns < 1 { throw ValidationError("--columns must be at least 1, got \(columns)") }
    }

    func run() throws {
        try reportingErrors {
            var panels: [SVGChart.Panel] = []
            for file in files {
                let table = try ResultsTable(csv: try readTextFile(file), file: file)
                guard let xColumn = x ?? table.columns.first, !table.cells.isEmpty else { throw FileProblem(file: file, message: "no rows under the header") }
                let name = files.count > 1 ? Self.seriesName(file) : ""
                let filePanels = try table.chartPanels(x: xColumn, columns: y.map { $0.split(separator: ",").map(String.init) }, group: group, name: name, file: file)
                if panels.isEmpty { panels = filePanels; continue }
                for index in panels.indices where index < filePanels.count { panels[index].series += filePanels[index].series }
            }
            let chart = SVGChart(title: title, panels: panels, columns: columns, panelWidth: 420, panelHeight: 300)
            if out.lowercased().hasSuffix(".png") {
                try PNGRendering.writePNG(svg: chart.svg, to: out)
            } else {
                try writeAtomically(Array(chart.svg.utf8), to: out)
            }
            print("written: \(out) (\(panels.count) panel(s))")
        }
    }

    /// A file's line name: its run directory for `runs/x/results.csv`, else the file name without extension.
    static func seriesName(_ file: String) -> String {
        let url = URL(fileURLWithPath: file)
        return url.lastPathComponent == "results.csv" ? url.deletingLastPathComponent().lastPathComponent : url.deletingPathExtension().lastPathComponent
    }
}
