import Augment
import Distributed
import Foundation
import Support
import Models
import Shards
import Tensor
import RunFormat

/// `spd train`'s work on one rank: the configuration's model, dataset and task, the run directory (config.yaml on
/// rank 0), and the trainer.
public enum TrainingRun {
    /// Builds everything from `config` and trains. `modelFile` is the resolved model file path.
    public static func train(config: ExperimentConfig, modelFile: String, communicator: Communicator, runDirectory: String,
                             resume: ResumeMode, interactive: Bool, output: @escaping (String) -> Void) throws -> TrainingProgress {
        let precisionNote = try GEMMPrecision.activate(config.precision)
        // A job across nodes of different CPUs may mix bf16 and fp32 ranks: it trains, but should say so.
        let paths = try communicator.allgather(Array(GEMMPrecision.description.utf8)).map { String(decoding: $0, as: UTF8.self) }
        let dataset = try Dataset(directory: config.resolve(config.data))
        let classes = config.classes ?? dataset.manifest.classes.count
        guard classes >= 1 else { throw FileProblem(file: "\(dataset.directory)/dataset.json", message: "the dataset lists no classes") }
        if communicator.rank == 0 {
            output("spd train: \(config.name) on \(communicator.size) rank(s), global batch \(config.batch) (\(config.batch / max(communicator.size, 1)) per rank), "
                   + "\(config.epochs) epochs, run directory \(runDirectory)")
            output(BLASCore.description)
            output(GEMMPrecision.description)
            if let precisionNote { output("note: \(precisionNote)") }
            if let note = GEMMPrecision.mixedRanksNote(descriptions: paths) { output("note: \(note)") }
            if config.hyp.copy_paste > 0, dataset.manifest.task == .detect {
                output("note: copy_paste \(config.hyp.copy_paste) has no effect: it pastes object segments and this dataset's labels are boxes (YOLOv5 skips it for box labels too)")
            }
        }
        let trainImages = try dataset.shards(split: config.trainSplit).reduce(0) { $0 + $1.samples }
        guard config.batch <= trainImages else {
            throw FileProblem(file: "\(dataset.directory)/dataset.json", message: "the '\(config.trainSplit)' split has \(trainImages) images, fewer than one batch of \(config.batch)")
        }
        let perRank = (config.batch + communicator.size - 1) / max(communicator.size, 1)
        let task = try TaskFactory.task(modelFile: modelFile, config: config, dataset: dataset, classes: classes, seed: UInt64(config.seed), batch: perRank)
        let description = RunDescription(model: try readSettingsFile(modelFile),
                                          classNames: dataset.manifest.classes.count == classes ? dataset.manifest.classes : nil)
        return try start(config: config, task: task, dataset: dataset, description: description, communicator: communicator,
                         runDirectory: runDirectory, resume: resume, interactive: interactive, output: output)
    }

    /// What a run directory keeps so that its weights can be used without the training's working directory: the
    /// model file's text (model.yaml) and the dataset's class names (classes.txt, one per line), as YOLOv5 keeps the
    /// model and names in its .pt files. `spd detect --weights RUN_DIR` reads them.
    struct RunDescription {
        var model: String
        var classNames: [String]?

        func write(to run: RunDirectory) throws {
            try run.write(RunDirectory.modelFileName, model)
            if let classNames { try run.write(RunDirectory.classNamesFileName, classNames.joined(separator: "\n") + "\n") }
        }
    }

    private static func start<Task: TrainingTask>(config: ExperimentConfig, task: Task, dataset: Dataset, description: RunDescription,
                                                  communicator: Communicator, runDirectory: String, resume: ResumeMode, interactive: Bool,
                                                  output: @escaping (String) -> Void) throws -> TrainingProgress {
        let trainer = try Trainer(config: config, task: task, dataset: dataset, communicator: communicator, runDirectory: runDirectory,
                                  resume: resume, output: output, interactive: interactive)
        try trainer.run?.write("config.yaml", config.resolvedYAML(worldSize: communicator.size))
        if let run = trainer.run { try description.write(to: run) }
        return try trainer.train()
    }
}
