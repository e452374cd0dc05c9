import ArgumentParser
import Evaluation
import Foundation
import Support

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Evaluate predictions.", subcommands: [COCO.self])

    struct COCO: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "coco",
            abstract: "COCO box metrics of a results file, as pycocotools' COCOeval(iouType='bbox') prints them.")

        @Option(help: "COCO instances file with the ground truth.")
        var gt: String
        @Option(help: "COCO results file: a JSON list of {image_id, category_id, bbox, score}.")
        var dt: String
        @Option(help: "Also write the 12 statistics by name to this JSON file.")
        var json: String?

        func run() throws {
            try reportingErrors {
                let evaluator = COCOEvaluator(groundTruth: try COCOGroundTruth(instancesFile: gt))
                let detections = try COCODetection.read(resultsFile: dt)
                let summary: COCOSummary
                do { summary = try evaluator.evaluate(detections) } catch {
                    throw FileProblem(file: dt, message: "\(error) (\(gt))")
                }
                summary.lines.forEach { print($0) }
                if let json {
                    try Data(summary.json.utf8).write(to: URL(fileURLWithPath: json), options: .atomic)
                }
            }
        }
    }
}
