import ArgumentParser
import Benchmarks
import Distributed
import Foundation
import Support
import Tensor

extension Precision: ExpressibleByArgument {}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure speed.", subcommands: [Ops.self, Train.self, Data.self, Allreduce.self])

    /// The model, image size, batch, BLAS threads and GEMM precision a model benchmark runs with.
    struct ModelOptions: ParsableArguments {
        @Option(help: "Model file or name under configs/models.")
        var model = "yolov5-spd-n"
        @Option(help: "Square image size.")
        var imgsz = 320
        @Option(help: "Batch size.")
        var batch = 8
        @OptionGroup var threads: ThreadsOption
        @Option(help: "GEMM operands: fp32, or bf16 with fp32 accumulation (on AMX or AVX512-BF16; elsewhere fp32, with a note).")
        var precision = Precision.fp32

        /// Sets the threads and the GEMM path, printing a note when bf16 cannot be had.
        func apply() throws {
            threads.apply()
            if let note = try GEMMPrecision.activate(precision) { print("note: \(note)") }
        }
    }

    struct Ops: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Conv layers of a model: engine forward/backward GFLOP/s beside the same GEMMs alone; a training step's time split.")

        @OptionGroup var options: ModelOptions
        @Option(help: "Timed repetitions per measurement (the fastest is reported).")
        var repeats = 3

        func run() throws {
            try reportingErrors {
                try options.apply()
                try OpsBenchmark(modelFile: resolveModelFile(options.model), imageSize: options.imgsz, batch: options.batch, repeats: repeats).run { print($0) }
            }
        }
    }
}

extension BenchCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Full training steps (forward, loss on synthetic data, backward, SGD) on one rank: images/s and GFLOP/s.")

        @OptionGroup var options: ModelOptions
        @Option(help: "Timed steps (after one warm-up step); the median is reported.")
        var steps = 5

        func run() throws {
            try reportingErrors {
                try options.apply()
                try TrainBenchmark(modelFile: resolveModelFile(options.model), imageSize: options.imgsz, batch: options.batch, steps: steps).run { print($0) }
            }
        }
    }
}

extension BenchCommand {
    struct Data: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The training data stream on one rank (shards, decode, mosaic augmentation, collation): samples/s and CPU per sample beside what training consumes.")

        @Option(help: "Detection dataset directory to time (default: synthetic fashion-detect-like and COCO-like shards in a temporary directory).")
        var data: String?
        @Option(help: "Training image size (the fashion-detect-like set uses 128).")
        var imgsz = 640
        @Option(help: "Batch size.")
        var batch = 8
        @Option(help: "Samples timed per dataset.")
        var samples = 160
        @Option(help: "Images/s training consumes (from `spd bench train`); when absent it is estimated.")
        var trainImagesPerSecond: Double?
        @Option(help: "Training steps timed for the estimate (0: no estimate).")
        var trainSteps = 2
        @Option(help: "Model file or name under configs/models, for the training estimate.")
        var model = "yolov5-spd-n"

        func run() throws {
            try reportingErrors {
                BLAS.setThreads(1)
                try DataBenchmark(dataDirectory: data, imageSize: imgsz, batch: batch, samples: samples, trainImagesPerSecond: trainImagesPerSecond,
                                  trainSteps: trainSteps, modelFile: resolveModelFile(model)).run { print($0) }
            }
        }
    }
}

extension BenchCommand {
    struct Allreduce: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Under mpirun: float allreduce from 4 KB to 100 MB, MPI_Allreduce beside ours (shared memory on a node): GB/s, exact sums, overlap with GEMMs.")

        @Option(help: "Timed reductions per size (the median is reported).")
        var repeats = 10
        @Option(help: "Largest size in MB.")
        var maxMb = 100
        @Option(help: "Slot size of the shared-memory reduction in KB (default: the trainer's).")
        var chunkKb: Int?

        func run() throws {
            BLAS.setThreads(1)
            let communicator = try reportingErrors { try chunkKb.map { try MPICommunicator(sharedMemoryChunkBytes: $0 << 10) } ?? MPICommunicator() }
            let sizes = AllreduceBenchmark.defaultSizes.filter { $0 < maxMb << 20 } + [maxMb << 20]
            do {
                try AllreduceBenchmark(sizes: sizes, repeats: repeats).run(communicator: communicator) { print($0) }
            } catch {
                FileHandle.standardError.write(Foundation.Data("spd: error (\(communicator.location)): \(error)\n".utf8))
                communicator.abort()  // the other ranks may wait in a collective
            }
        }
    }
}
