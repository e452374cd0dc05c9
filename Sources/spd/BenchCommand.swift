import ArgumentParser
import Benchmarks
import Tensor

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure speed.", subcommands: [Ops.self, Train.self])

    struct Ops: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Conv layers of a model: engine forward/backward GFLOP/s beside the same GEMMs alone; a training step's time split.")

        @Option(help: "Model file or name under configs/models.")
        var model = "yolov5-spd-n"
        @Option(help: "Square image size.")
        var imgsz = 320
        @Option(help: "Batch size.")
        var batch = 8
        @Option(help: "Timed repetitions per measurement (the fastest is reported).")
        var repeats = 3
        @Option(help: "OpenBLAS threads.")
        var threads = 1

        func run() throws {
            try reportingErrors {
                BLAS.setThreads(threads)
                try OpsBenchmark(modelFile: resolveModelFile(model), imageSize: imgsz, batch: batch, repeats: repeats).run { print($0) }
            }
        }
    }
}

extension BenchCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Full training steps (forward, loss on synthetic targets, backward, SGD) on one rank: images/s and GFLOP/s.")

        @Option(help: "Model file or name under configs/models.")
        var model = "yolov5-spd-n"
        @Option(help: "Square image size.")
        var imgsz = 320
        @Option(help: "Batch size.")
        var batch = 8
        @Option(help: "Timed steps (after one warm-up step); the median is reported.")
        var steps = 5
        @Option(help: "OpenBLAS threads.")
        var threads = 1

        func run() throws {
            try reportingErrors {
                BLAS.setThreads(threads)
                try TrainBenchmark(modelFile: resolveModelFile(model), imageSize: imgsz, batch: batch, steps: steps).run { print($0) }
            }
        }
    }
}
