import Evaluation
import Foundation
import Imaging
import POSIXFiles
import Plots
import RunFormat
import Support
import TensorBoard

/// What rank 0 tells a person and writes into the run directory while training (on the other ranks it is silent):
/// a progress bar on a terminal or periodic log lines, metrics.jsonl, TensorBoard scalars and heartbeats every
/// `log_every` steps, the epoch lines, results.csv with its plot and TensorBoard scalars, and the lifecycle events the
/// coordinator reads.
final class RunLogger {
    let run: RunDirectory?
    private let output: (String) -> Void
    private let progressBar: ProgressDisplay?
    private let lossNames: [String]
    private let metricNames: [String]
    private let epochs: Int
    /// The run's TensorBoard event file, made at the first scalars.
    private var tensorBoard: EventFileWriter?
    /// The dataset's class names (for the plots' legends), when it names every class.
    var classNames: [String]?
    private var pictureProblemSaid = false

    /// One logged step; `losses` are the whole batch's, `meanLosses` the epoch's running means.
    struct Step {
        var epoch: Int, step: Int, steps: Int, iteration: Int, optimizerStep: Int
        var losses: [Double], meanLosses: [Double], labels: Int
        /// Batch-norm weights', weights' and biases' learning rates.
        var learningRates: [Double]
        var momentum: Double, accumulation: Int, accumulatedBatches: Int
        var imagesPerSecond: Double
        /// step, data_wait, forward, backward, allreduce_overlapped, allreduce_wait, optimizer (seconds).
        var times: [String: Double]
    }

    init(run: RunDirectory?, output: @escaping (String) -> Void, interactive: Bool, lossNames: [String], metricNames: [String], epochs: Int) {
        self.run = run
        self.output = run == nil ? { _ in } : output
        progressBar = run != nil && interactive ? ProgressDisplay() : nil
        self.lossNames = lossNames
        self.metricNames = metricNames
        self.epochs = epochs
    }

    func say(_ line: String) { output(line) }

    /// Runs the training `body` between its lifecycle events: `started`, then `done` when it finished its epochs,
    /// `stopped` when `stop_after_iterations` ended it, `failed` (or a line for a signal's stop) when it threw.
    /// Returns the progress `body` ended with.
    func runs(from start: TrainingProgress, worldSize: Int, _ body: () throws -> (finished: Bool, progress: TrainingProgress)) throws -> TrainingProgress {
        try event("started", ["world_size": worldSize, "epoch": start.position.epoch, "step": start.position.step])
        do {
            let (finished, progress) = try body()
            if finished {
                try event("done", ["epochs": epochs, "best_fitness": progress.bestFitness ?? NSNull()])
            } else {
                say("stopped after \(progress.iteration) batches (stop_after_iterations); continue with --resume")
                try event("stopped", ["epoch": progress.position.epoch, "step": progress.position.step, "iteration": progress.iteration])
            }
            return progress
        } catch let stopped as TrainingStopped {
            say("\(stopped)")
            throw stopped
        } catch {
            try? event("failed", ["error": "\(error)"])
            throw error
        }
    }

    func event(_ name: String, _ fields: [String: Any] = [:]) throws { try run?.appendEvent(name, fields) }

    func epochStarts(_ epoch: Int) { output("epoch \(epoch + 1)/\(epochs): " + lossNames.joined(separator: ", ")) }

    /// Redraws the progress bar; every `log_every` steps (`logNow`) also metrics.jsonl, a heartbeat and, without a
    /// terminal, a log line.
    func step(_ step: Step, logNow: Bool) throws {
        guard run != nil else { return }
        progressBar?.update(epoch: step.epoch, epochs: epochs, step: step.step + 1, steps: step.steps, losses: zip(lossNames, step.meanLosses).map { ($0, $1) },
                            imagesPerSecond: step.imagesPerSecond)
        guard logNow else { return }
        try run?.appendMetrics([
            "iteration": step.iteration, "optimizer_step": step.optimizerStep, "epoch": step.epoch, "step": step.step,
            "losses": Dictionary(uniqueKeysWithValues: zip(lossNames, step.losses)), "epoch_mean_losses": Dictionary(uniqueKeysWithValues: zip(lossNames, step.meanLosses)),
            "labels": step.labels, "lr": step.learningRates, "momentum": step.momentum,
            "accumulation": step.accumulation, "accumulated_batches": step.accumulatedBatches, "images_per_second": step.imagesPerSecond,
            "time": step.times,
        ])
        try run?.appendEvent("heartbeat", ["epoch": step.epoch, "step": step.step, "iteration": step.iteration, "images_per_second": step.imagesPerSecond])
        // TensorBoard, by iteration: the batch's losses, learning rates, momentum, speed and the time split.
        try scalars(zip(lossNames, step.losses).map { ("step/\($0)", $1) } + step.learningRates.enumerated().map { ("step/lr\($0)", $1) }
                    + [("step/momentum", step.momentum), ("step/images_per_second", step.imagesPerSecond)]
                    + step.times.sorted { $0.key < $1.key }.map { ("step/time/\($0.key)", $0.value) }, step: step.iteration)
        if progressBar == nil {
            output("epoch \(step.epoch + 1)/\(epochs) step \(step.step + 1)/\(step.steps) "
                   + zip(lossNames, step.meanLosses).map { "\($0) \(String(format: "%.4f", $1))" }.joined(separator: " ")
                   + String(format: " %.1f img/s", step.imagesPerSecond))
        }
    }

    /// Ends the epoch's progress bar line.
    func epochStepsDone() { progressBar?.finish() }

    func validated(_ outcome: ValidationOutcome, epoch: Int) {
        output(zip(metricNames, outcome.metrics).map { "\($0) \(String(format: "%.4f", $1))" }.joined(separator: "  "))
        for line in outcome.report { output(line) }
        guard picturesDue(epoch: epoch) else { return }
        if let metrics = outcome.classMetrics {
            picture("PR_curve.png", metrics.precisionRecallChart(names: classNames))
            picture("F1_curve.png", metrics.f1Chart(names: classNames))
        }
        if let confusion = outcome.confusion { picture("confusion_matrix.png", svg: confusion.chartSVG(names: classNames)) }
        for (name, tiles) in outcome.pictures { batchPicture(name, tiles) }
    }

    /// Whether the epoch-end pictures (results.png, the validation curves and matrix, val_batch0_*) are drawn after
    /// `epoch`: at the run's last epoch, as YOLOv5 draws them, and on the way at most every `pictureInterval`
    /// seconds. Each picture runs rsvg-convert (tens of milliseconds); every epoch of a run with short epochs would
    /// slow rank 0, and so every rank.
    private func picturesDue(epoch: Int) -> Bool {
        epoch == epochs - 1 || monotonicSeconds() - lastPictures >= Self.pictureInterval
    }

    static let pictureInterval = 600.0
    private var lastPictures = -Double.infinity

    /// A batch picture of the run directory as JPEG (train_batchN.jpg, val_batch0_*.jpg), under the same rule as the
    /// charts.
    func batchPicture(_ name: String, _ tiles: [BatchPicture.Tile]) {
        guard run != nil, !pictureProblemSaid else { return }
        do { picture(name, svg: try BatchPicture.svg(tiles, classNames: classNames ?? [])) } catch {
            output("note: no \(name): \(error)")
        }
    }

    /// A chart as a PNG file of the run directory, as YOLOv5 writes them; a plot that cannot be rendered (no
    /// rsvg-convert on this node) is said once and never stops the training.
    private func picture(_ name: String, _ chart: SVGChart) { picture(name, svg: chart.svg) }

    /// `svg` rendered as the run directory's file `name` (PNG, or JPEG for a .jpg name).
    func picture(_ name: String, svg: String) {
        guard let run, !pictureProblemSaid else { return }
        if name == "labels.jpg" {
            // The labels chart is drawn once: its SVG goes beside results.svg as well.
            do { try run.write("plots/labels.svg", svg) } catch { output("note: \(error)") }
        }
        do {
            if name.hasSuffix(".jpg") {
                let png = try PNGRendering.png(svg: svg)
                try writeAtomically(try Image(decoding: png, name: name).jpegData(quality: 90), to: "\(run.path)/\(name)")
            } else {
                try PNGRendering.writePNG(svg: svg, to: "\(run.path)/\(name)")
            }
        } catch {
            pictureProblemSaid = true
            output("note: no pictures in this run: \(error)")
        }
    }

    /// results.csv and its plot with every finished epoch, and the `epoch` event.
    func epochEnds(results: [EpochResult], bestFitness: Double?) throws {
        guard let run, let row = results.last else { return }
        let csv = EpochResult.csv(results, lossNames: lossNames, metricNames: metricNames)
        try run.write("results.csv", csv)
        let chart = try ResultsTable(csv: csv, file: "results.csv").resultsChart(file: "results.csv")
        try run.write("plots/results.svg", chart.svg)
        if picturesDue(epoch: row.epoch) {
            picture("results.png", chart)
            lastPictures = monotonicSeconds()
        }
        // TensorBoard, by epoch: results.csv's columns under their names, as YOLOv5 logs them.
        let columns = EpochResult.columns(lossNames: lossNames, metricNames: metricNames).dropFirst()
        try scalars(zip(columns, row.values(lossNames: lossNames, metricNames: metricNames)).compactMap { tag, value in value.map { (tag, $0) } }, step: row.epoch)
        try run.appendEvent("epoch", ["epoch": row.epoch, "metrics": Dictionary(uniqueKeysWithValues: zip(metricNames, row.metrics)),
                                      "fitness": bestFitness ?? NSNull()])
    }

    /// Scalars into the run's TensorBoard event file (created on first use).
    private func scalars(_ values: [(tag: String, value: Double)], step: Int) throws {
        guard let run else { return }
        if tensorBoard == nil { tensorBoard = try EventFileWriter(directory: run.path) }
        try tensorBoard?.scalars(values, step: step)
    }

    /// With skip_bad: the samples every rank left out in the epoch, counted and listed (at most 20).
    func skipped(_ lines: [String], epoch: Int) throws {
        guard !lines.isEmpty else { return }
        output("skip_bad: \(lines.count) sample(s) or shard(s) left out in epoch \(epoch + 1):")
        for line in lines.prefix(20) { output("  \(line)") }
        if lines.count > 20 { output("  ... and \(lines.count - 20) more") }
        try run?.appendEvent("skipped_samples", ["epoch": epoch, "count": lines.count, "first": Array(lines.prefix(20))])
    }
}
