import ArgumentParser
import Foundation
import Inference
import Support
import TensorFiles

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Inspect a run's checkpoints.", subcommands: [List.self, Compare.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Every checkpoint of a run: position, save time, world size, best fitness, last epoch's metrics, validity.",
            discussion: """
            epoch and step are where a resume continues: epochs finished, and batches into the next one. links marks the \
            checkpoints `last` and `best` point to. status is "ok" or why the checkpoint cannot be loaded.
            """)

        @Argument(help: "Run directory.") var runDirectory: String

        func run() throws {
            try reportingErrors {
                let table = CheckpointTable(run: try RunCheckpoints(runDirectory: runDirectory))
                var text = TextTable(table.header)
                table.rows.forEach { text.add($0) }
                print(table.rows.isEmpty ? "\(runDirectory): no checkpoints" : text.rendered)
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compare",
            abstract: "Compare two state dicts (safetensors files) tensor by tensor; exit 1 when one differs by more than --rtol.",
            discussion: """
            A tensor's difference is ||A - B|| / max(||A||, 1). With --from INITIAL (the weights both runs started from) it \
            is ||(A - I) - (B - I)|| / ||A - I||, the difference of the two updates relative to the update: the measure for \
            ReLU networks, whose gradients jump at rounding level. Integer tensors (num_batches_tracked) are left out.
            """)

        @Argument(help: "The first state dict (.safetensors), e.g. a run's checkpoints/last/model.safetensors.") var first: String
        @Argument(help: "The second state dict.") var second: String
        @Option(help: "The largest difference allowed.") var rtol: Double = 1e-5
        @Option(name: .customLong("from"), help: "The state dict both started from: compare the updates instead.") var initial: String?
        @Option(help: "How many of the most differing tensors to list.") var show: Int = 5

        func validate() throws {
            guard rtol.isFinite, rtol >= 0 else { throw ValidationError("--rtol must be a finite number >= 0, not \(rtol)") }
            guard show >= 0 else { throw ValidationError("--show must be >= 0") }
        }

        func run() throws {
            let comparison = try reportingErrors {
                try WeightsComparison(SafeTensorsFile(contentsOf: first), SafeTensorsFile(contentsOf: second),
                                      from: initial.map { try SafeTensorsFile(contentsOf: $0) })
            }
            let measure = initial == nil ? "relative difference" : "relative difference of the updates"
            let largest = comparison.largest.map { String(format: "%.2e (%@)", $0.difference, $0.name) } ?? "-"
            print("\(comparison.rows.count) tensors, largest \(measure) \(largest), tolerance \(rtol)")
            let exceeding = comparison.exceeding(rtol)
            guard !exceeding.isEmpty else { return }
            for row in exceeding.prefix(show) { print(String(format: "  %.3e  %@", row.difference, row.name)) }
            FileHandle.standardError.write(Data("spd: error: \(exceeding.count) tensor(s) differ by more than \(rtol)\n".utf8))
            throw ExitCode.failure
        }
    }
}
