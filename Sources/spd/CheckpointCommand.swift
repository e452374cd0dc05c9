import ArgumentParser
import Benchmarks
import Inference

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Inspect a run's checkpoints.", subcommands: [List.self])

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
}
