import ArgumentParser
import DetectionLoss
import Models
import Tensor
import Training

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model", abstract: "Inspect models.", subcommands: [Summary.self, Forward.self])

    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a model's layer table, parameter count and GFLOPs.")

        @Argument(help: "A model file (YOLOv5 format or ResNet) or a name under configs/models (e.g. yolov5-spd-n, resnet18-spd).")
        var config: String
        @Option(help: "Number of classes (default: the file's nc).")
        var nc: Int?
        @Option(help: "Square input size for the output shapes and GFLOPs.")
        var imgsz: Int = 640

        func run() throws {
            try reportingErrors {
                switch try AnyModelDefinition(contentsOf: resolveModelFile(config)) {
                case let .detection(definition):
                    let model = try DetectionModel(definition: definition, classes: nc)
                    _ = try model.forward(Tensor(TensorShape(n: 1, h: imgsz, w: imgsz, c: 3)), training: false)
                    print(ModelSummary(model: model, imageSize: imgsz).rendered)
                case let .classification(definition):
                    print(try ResNetSummary(model: ClassificationModel(definition: definition, classes: nc), imageSize: imgsz).rendered)
                }
            }
        }
    }
}

extension ModelCommand {
    struct Forward: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a model on an .npy batch and write PyTorch-layout outputs (and loss + gradients with --targets) to check a port.")

        @Option(help: "Model file or name under configs/models.")
        var cfg: String
        @Option(help: "Weights (safetensors, reference state_dict names).")
        var weights: String
        @Option(help: "Input batch: float32 .npy of shape (N, 3, H, W), values in [0, 1].")
        var input: String
        @Flag(help: "Training mode: batch norm uses batch statistics (and updates its running statistics).")
        var train = false
        @Option(help: "Targets: .npy of shape (M, 6), rows (image, class, x, y, w, h) normalised; writes loss.json and gradients.safetensors.")
        var targets: String?
        @Option(help: "Image size the loss's objectness gain is scaled for (obj * (imgsz/640)^2); default: the input's height.")
        var imgsz: Int?
        @Option(help: "Output directory.")
        var out: String

        func run() throws {
            try reportingErrors {
                let model = try DetectionModel(definition: ModelDefinition(contentsOf: resolveModelFile(cfg)))
                try model.state.load(from: weights)
                let images = try ForwardExport.readImages(input)
                let detect = model.detect
                let hyperparameters = LossHyperparameters().scaledForTraining(levels: detect.levels, classes: detect.classes,
                                                                              imageSize: imgsz ?? images.shape.h)
                try ForwardExport(model: model, training: train).run(
                    images: images, targets: try targets.map(ForwardExport.readTargets), hyperparameters: hyperparameters, directory: out)
                print("wrote \(out)")
            }
        }
    }
}
