import ArgumentParser
import Models
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
                print(try AnyModelDefinition(contentsOf: resolveModelFile(config)).build(classes: nc).summary(imageSize: imgsz))
            }
        }
    }
}

extension ModelCommand {
    struct Forward: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a model on an .npy batch and write PyTorch-layout outputs (and loss + gradients with --targets) to check a port.",
            discussion: """
            A detector writes raw_level{i}.npy (N, anchors, ny, nx, outputs) and, in eval mode, decoded.npy; its --targets are \
            (M, 6) rows (image, class, x, y, w, h). A classifier (the ResNet family) writes logits.npy (N, classes); its \
            --targets are (N,) class indices, and loss.json holds the mean cross-entropy. With targets both also write \
            gradients.safetensors, every parameter's gradient under its reference name.
            """)

        @Option(help: "Model file or name under configs/models.")
        var cfg: String
        @Option(help: "Weights (safetensors, reference state_dict names).")
        var weights: String
        @Option(help: "Input batch: float32 .npy of shape (N, 3, H, W), values in [0, 1].")
        var input: String
        @Flag(help: "Training mode: batch norm uses batch statistics (and updates its running statistics).")
        var train = false
        @Option(help: "Targets: a detector's (M, 6) rows (image, class, x, y, w, h) normalised, or a classifier's (N,) class indices; writes loss.json and gradients.safetensors.")
        var targets: String?
        @Option(help: "Image size the loss's objectness gain is scaled for (obj * (imgsz/640)^2); default: the input's height.")
        var imgsz: Int?
        @Option(help: "Output directory.")
        var out: String

        func run() throws {
            try reportingErrors {
                try TaskFactory.exportForward(modelFile: resolveModelFile(cfg), weights: weights, imagesFile: input, targetsFile: targets,
                                              training: train, imageSize: imgsz, directory: out)
                print("wrote \(out)")
            }
        }
    }
}
