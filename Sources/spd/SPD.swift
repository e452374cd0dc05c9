import ArgumentParser
import Foundation

@main
struct SPD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spd",
        abstract: "SPDTrain: train SPD-Conv networks (YOLOv5-SPD, ResNet-SPD) on CPU clusters.",
        version: "SPDTrain 0.7.0",
        subcommands: [TrainCommand.self, ModelCommand.self, DataCommand.self, EvalCommand.self, DetectCommand.self, ValCommand.self, CheckpointCommand.self, ExportCommand.self, BenchCommand.self, PlotCommand.self, MPIRunOptionsCommand.self,
                      CoordinatorCommand.self, SubmitCommand.self, StatusCommand.self, CancelCommand.self, LogsCommand.self, ReportCommand.self,
                      SystemCommand.self])

    /// Selects the BLAS kernels for this CPU (which may re-execute spd once), then runs the command.
    static func main() {
        BLASCoreSelection.selectBestCore()
        main(nil)
    }
}

/// Turns a user error into one line on stderr and exit code 1 (no stack dump).
func reportingErrors<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let error as ExitCode { throw error } catch let error as CleanExit { throw error } catch {
        FileHandle.standardError.write(Data("spd: error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// The SPDTrain checkout holding configs/: the current directory or a directory above the spd binary.
func repositoryRoot() -> String {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let candidates = [FileManager.default.currentDirectoryPath]
        + sequence(first: executable.deletingLastPathComponent(), next: { $0.path == "/" ? nil : $0.deletingLastPathComponent() }).map(\.path)
    return candidates.first { FileManager.default.fileExists(atPath: "\($0)/configs/models") } ?? FileManager.default.currentDirectoryPath
}

/// Resolves a model name (`yolov5-spd-n`) to configs/models/<name>.yaml, or returns a path as given.
func resolveModelFile(_ nameOrPath: String) -> String {
    if nameOrPath.hasSuffix(".yaml") || nameOrPath.contains("/") { return nameOrPath }
    return "\(repositoryRoot())/configs/models/\(nameOrPath).yaml"
}
