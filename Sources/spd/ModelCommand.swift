import ArgumentParser
import Models
import Tensor

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model", abstract: "Inspect models.", subcommands: [Summary.self])

    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a model's layer table, parameter count and GFLOPs.")

        @Argument(help: "A model file (YOLOv5 format) or a name under configs/models (e.g. yolov5-spd-n).")
        var config: String
        @Option(help: "Number of classes (default: the file's nc).")
        var nc: Int?
        @Option(help: "Square input size for the output shapes and GFLOPs.")
        var imgsz: Int = 640

        func run() throws {
            try reportingErrors {
                let file = resolveModelFile(config)
                let model = try DetectionModel(definition: ModelDefinition(contentsOf: file), classes: nc)
                _ = try model.forward(Tensor(TensorShape(n: 1, h: imgsz, w: imgsz, c: 3)), training: false)
                print(ModelSummary(model: model, imageSize: imgsz).rendered)
            }
        }
    }
}
