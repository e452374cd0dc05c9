import ArgumentParser
import Datasets
import Distributed
import Foundation
import Tensor
import Training
import RunFormat

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model (alone, or on every rank under mpirun).",
        discussion: """
        CONFIG is an experiment file (configs/experiments/*.yaml). Any setting can be overridden with --set key=value
        (hyperparameters as --set hyp.lr0=0.02). Under mpirun every rank runs this same command; the global batch is
        split over the ranks.

        SIGTERM, SIGUSR1, SIGUSR2 or SIGINT stop the run at the next step: every rank agrees, one checkpoint is written, \
        and spd exits with status 75 ("stopped, resumable"; continue with --resume or --resume-if-exists). A second \
        Ctrl-C stops at once. Under mpirun send SIGUSR1 to mpirun (it forwards it to every rank); under Slurm ask for \
        it before the time limit with `#SBATCH --signal=B:USR1@300` (see cluster/slurm.sbatch).
        """)

    @Argument(help: "Experiment file (default: configs/experiments/yolov5-train.yaml; with --resume, the run's config.yaml).")
    var config: String?
    @Option(name: .customLong("run-dir"), help: "Run directory (default: runs/<name>).")
    var runDirectory: String?
    @Option(help: "Continue the run in this directory from its newest valid checkpoint.")
    var resume: String?
    @Flag(name: .customLong("resume-if-exists"), help: "Continue from the newest valid checkpoint of --run-dir if there is one (what a scheduler passes).")
    var resumeIfExists = false
    @Option(name: .customLong("set"), help: "Override a setting: key=value (repeatable).")
    var overrides: [String] = []
    @Option(help: "Override the number of epochs.") var epochs: Int?
    @Option(name: [.customLong("batch"), .customLong("batch-size")], help: "Override the global batch.") var batch: Int?
    @Option(name: [.customLong("imgsz"), .customLong("img"), .customLong("img-size")], help: "Override the image size.") var imgsz: Int?
    @Option(help: "Override the dataset directory.") var data: String?
    @Option(name: [.customLong("model"), .customLong("cfg")], help: "Override the model (file or name under configs/models).") var model: String?
    @Option(help: "Override the seed.") var seed: Int?
    @Option(help: "Hyperparameter file (YOLOv5 hyp.*.yaml); replaces the experiment's hyperparameters.") var hyp: String?
    @Option(help: "Initial weights (safetensors under the reference names); '' trains from scratch, as in YOLOv5.") var weights: String?
    @Option(help: "Override the run's name (the run directory defaults to runs/<name>).") var name: String?
    @Flag(name: .customLong("skip-bad"), help: "Leave out samples that fail to decode (and unreadable shards); count and report them at each epoch end.")
    var skipBad = false
    @OptionGroup var threads: ThreadsOption
    @Option(help: "Progress display: bar (redrawn line), log (periodic lines) or auto (bar on a terminal, log under mpirun or a pipe).")
    var progress: ProgressStyle = .auto

    enum ProgressStyle: String, ExpressibleByArgument { case auto, bar, log }

    func run() throws {
        threads.apply()
        let communicator: Communicator
        do {
            communicator = MPICommunicator.launchedByMPI ? try MPICommunicator() : LocalCommunicator()
        } catch {
            FileHandle.standardError.write(Data("spd: error: cannot start MPI: \(error)\n".utf8))
            throw ExitCode.failure
        }
        do {
            try train(communicator)
        } catch let code as ExitCode {
            throw code
        } catch {
            let prefix = communicator.size > 1 ? "spd: error (\(communicator.location)): " : "spd: error: "
            FileHandle.standardError.write(Data((prefix + "\(error)\n").utf8))
            if let mpi = communicator as? MPICommunicator, mpi.size > 1 { mpi.abort() }
            throw ExitCode.failure
        }
    }

    private func train(_ communicator: Communicator) throws {
        let file = config ?? resume.map { "\($0)/config.yaml" } ?? "\(repositoryRoot())/configs/experiments/yolov5-train.yaml"
        var settings: [String] = []
        if let name { settings.append("name=\(name)") }
        if let hyp { settings.append("hyp_file=\(hyp)") }
        if let weights { settings.append(weights.isEmpty ? "weights=null" : "weights=\(weights)") }
        settings += overrides
        if let epochs { settings.append("epochs=\(epochs)") }
        if let batch { settings.append("batch=\(batch)") }
        if let imgsz { settings.append("imgsz=\(imgsz)") }
        if let data { settings.append("data=\(data)") }
        if let model { settings.append("model=\(model)") }
        if let seed { settings.append("seed=\(seed)") }
        if skipBad { settings.append("skip_bad=true") }
        var experiment = try ExperimentConfig(contentsOf: file, overrides: settings, repositoryRoot: repositoryRoot())
        let dataFile = experiment.resolve(experiment.data)
        if YOLODataCache.isDataFile(dataFile) {
            // A YOLOv5 data.yaml: rank 0 converts it once into cached shards (or finds them), every rank trains on them.
            var cache: [String]? = nil
            if communicator.rank == 0 {
                let options = ConversionOptions { line in FileHandle.standardOutput.write(Data("\(line)\n".utf8)) }
                cache = [try YOLODataCache.prepare(dataFile: dataFile, options: options)]
            }
            experiment.data = try communicator.broadcast(json: cache, root: 0)[0]
        }
        if let mpi = communicator as? MPICommunicator, experiment.watchdogSeconds > 0 { try mpi.startWatchdog(seconds: experiment.watchdogSeconds) }
        let directory = resume ?? runDirectory ?? "runs/\(experiment.name)"
        let mode: ResumeMode = resume != nil ? .required : (resumeIfExists ? .ifExists : .fresh)
        // mpirun gives ranks a pseudo-terminal even when its own output is a file, so `auto` means log lines there.
        let interactive = progress == .bar || (progress == .auto && isatty(STDOUT_FILENO) != 0 && !MPICommunicator.launchedByMPI)
        StopSignals.install()
        do {
            _ = try TrainingRun.train(config: experiment, modelFile: resolveModelFile(experiment.model), communicator: communicator,
                                  runDirectory: directory, resume: mode, interactive: interactive) { line in
                // Written through unbuffered so a log file or mpirun shows each line as it happens.
                if communicator.rank == 0 { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
            }
        } catch is TrainingStopped {
            // Checkpointed and said so: "stopped, resumable".
            throw ExitCode(StopSignals.resumableExitCode)
        }
    }
}
