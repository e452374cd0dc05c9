import Foundation

/// What a tool run printed and how it ended.
public struct ToolOutput {
    public let status: Int32
    public let output: Data
    public let errors: String
    /// Standard output as text.
    public var text: String { String(decoding: output, as: UTF8.self) }
}

/// A tool failed (non-zero exit); `description` is what it printed on stderr.
public struct ToolFailure: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let errors: String
    public var description: String { "\(command) exited with status \(status): \(errors)" }
}

extension TestTools {
    /// Runs `executable` with `arguments` (in `directory`, with `input` on stdin) and collects stdout and stderr.
    /// Input is written and stderr read on their own threads, so no pipe can fill and deadlock the run.
    public static func run(_ executable: URL, _ arguments: [String], in directory: String? = nil, input: Data? = nil) throws -> ToolOutput {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe(), errors = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        DispatchQueue.global().async(group: group) { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
        if let input {
            DispatchQueue.global().async(group: group) {
                stdin.fileHandleForWriting.write(input)
                try? stdin.fileHandleForWriting.close()
            }
        }
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ToolOutput(status: process.terminationStatus, output: printed, errors: String(decoding: errorData, as: UTF8.self))
    }

    /// `run`, throwing `ToolFailure` unless the tool exits 0.
    public static func runChecked(_ executable: URL, _ arguments: [String], in directory: String? = nil, input: Data? = nil) throws -> ToolOutput {
        let result = try run(executable, arguments, in: directory, input: input)
        guard result.status == 0 else {
            throw ToolFailure(command: ([executable.path] + arguments.map { $0.count > 80 ? String($0.prefix(77)) + "..." : $0 }).joined(separator: " "),
                              status: result.status, errors: result.errors)
        }
        return result
    }
}
