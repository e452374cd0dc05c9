import Foundation
import POSIXFiles

/// SVG to PNG through librsvg's `rsvg-convert` (Debian's librsvg2-bin), a real rasteriser: charts are drawn once, as
/// SVG, and the PNG files YOLOv5 users look at (results.png, PR_curve.png, ...) are rendered from them.
public enum PNGRendering {
    /// The rasteriser's executable, looked up on PATH.
    public static let tool = "rsvg-convert"

    /// Whether `rsvg-convert` is on PATH.
    public static var isAvailable: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }

    /// Renders `svg` to the PNG file `path` (written atomically); errors name the file and the rasteriser's complaint.
    public static func writePNG(svg: String, to path: String) throws {
        let bytes: [UInt8]
        do { bytes = try png(svg: svg) } catch let problem as RenderingProblem { throw FileProblem(file: path, message: problem.message) }
        do { try writeAtomically(bytes, to: path) } catch { throw FileProblem(file: path, message: "cannot write: \(error)") }
    }

    /// The PNG bytes of `svg`.
    public static func png(svg: String) throws -> [UInt8] {
        guard isAvailable else { throw RenderingProblem(message: "cannot render: \(tool) is not installed (Debian package librsvg2-bin)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool, "--format=png"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { throw RenderingProblem(message: "cannot run \(tool): \(error.localizedDescription)") }
        // The SVG goes in and the complaints come out on threads of their own, so no full pipe can block another.
        let document = Data(svg.utf8)
        let writer = Thread { try? input.fileHandleForWriting.write(contentsOf: document); try? input.fileHandleForWriting.close() }
        writer.start()
        let complaints = ErrorsReader(errors.fileHandleForReading)
        let png = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = complaints.text()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0, png.starts(with: [0x89, 0x50, 0x4E, 0x47]) else {
            throw RenderingProblem(message: "\(tool) failed (status \(process.terminationStatus)): \(complaint.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return Array(png)
    }

    /// Reads a pipe to its end on its own thread.
    private final class ErrorsReader: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }.start()
        }

        /// Everything the pipe carried, once it is closed.
        func text() -> String {
            done.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The rasteriser is missing or refused the document.
    public struct RenderingProblem: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
