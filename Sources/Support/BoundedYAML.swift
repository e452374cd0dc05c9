import Foundation
import Yams

/// Every YAML file the project reads (model files, experiments, hyperparameters, sweeps, data.yaml) goes through
/// here: the text is checked before the parser sees it, so a hostile file can neither overflow the parser's stack
/// (nesting deeper than `maximumDepth`), nor make it expand aliases without bound (aliases are refused: none of
/// YOLOv5's or this project's files use them), nor be larger than `maximumBytes`.
public enum BoundedYAML {
    /// Nesting of blocks, sequences and flow collections together.
    public static let maximumDepth = 64
    /// The size of a YAML file's text.
    public static let maximumBytes = 1 << 20

    /// The parsed value of `text` (what `Yams.load` gives); errors name `file`.
    public static func load(_ text: String, file: String) throws -> Any? {
        try onLargeStack { try compose(text, file: file)?.any }
    }

    /// The node tree of `text` (what `Yams.compose` gives, with positions); errors name `file`. A mapping key that
    /// is itself a sequence or mapping (`? [a, b]: c`) is refused: Yams's constructor traps on one (found by fuzzing).
    public static func compose(_ text: String, file: String) throws -> Node? {
        try checkBounds(text, file: file)
        return try onLargeStack {
            let node: Node?
            do { node = try Yams.compose(yaml: text) } catch { throw FileProblem(file: file, message: "not valid YAML: \(error)") }
            if let node, let key = firstNonScalarKey(node) {
                throw FileProblem(file: file, message: "line \((key.mark?.line).map(String.init) ?? "?"): a mapping key must be a plain value, not a list or mapping")
            }
            return node
        }
    }

    /// Yams composes and converts recursively, a few frames per nesting level. `checkBounds` counts nesting from the
    /// text, which an unusual file could make it count too low in block context (a multi-line quoted value that
    /// resets the indentation); but a 1 MiB file can nest blocks at most about 1,450 levels deep (each level indents
    /// at least one more column than its parent), so parsing on a thread with a 256 MiB stack cannot overflow
    /// whatever the count said.
    static func onLargeStack<T>(_ body: () throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            let job = LargeStackJob(body), done = DispatchSemaphore(value: 0)
            let thread = Thread {
                job.run()
                done.signal()
            }
            thread.stackSize = 256 << 20
            thread.start()
            done.wait()
            return try job.result!.get()
        }
    }

    /// The first mapping key under `node` that is not a scalar (depth is bounded by `checkBounds`).
    private static func firstNonScalarKey(_ node: Node) -> Node? {
        switch node {
        case let .mapping(mapping):
            for (key, value) in mapping {
                if key.scalar == nil { return key }
                if let found = firstNonScalarKey(value) { return found }
            }
        case let .sequence(sequence):
            for item in sequence { if let found = firstNonScalarKey(item) { return found } }
        default:
            break
        }
        return nil
    }

    /// Refuses text over `maximumBytes`, nested deeper than `maximumDepth`, or holding an alias.
    public static func checkBounds(_ text: String, file: String) throws {
        func fail(_ line: Int, _ message: String) -> FileProblem { FileProblem(file: file, message: "line \(line): \(message)") }
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumBytes else {
            throw FileProblem(file: file, message: "\(bytes.count) bytes; a YAML file may have at most \(maximumBytes)")
        }
        let space = UInt8(ascii: " "), newline = UInt8(ascii: "\n"), dash = UInt8(ascii: "-")
        let nodeStarts: [UInt8] = [space, UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","), UInt8(ascii: ":")]
        var blockIndents: [Int] = [], flowDepth = 0, line = 1, index = 0
        while index < bytes.count {
            // At a line start: block nesting from the indentation, plus one level per leading "- ".
            var column = 0
            while index < bytes.count, bytes[index] == space { index += 1; column += 1 }
            guard index < bytes.count else { break }
            if bytes[index] != newline, bytes[index] != UInt8(ascii: "#"), flowDepth == 0 {
                while let last = blockIndents.last, last > column { blockIndents.removeLast() }
                if blockIndents.last != column { blockIndents.append(column) }
                var dashes = 0
                while index + 1 < bytes.count, bytes[index] == dash, bytes[index + 1] == space {
                    dashes += 1
                    index += 2
                    while index < bytes.count, bytes[index] == space { index += 1 }
                }
                if blockIndents.count + dashes > maximumDepth { throw fail(line, "nested deeper than \(maximumDepth) levels") }
            }
            // The rest of the line: flow collections, quoted scalars (a quote opens one only where a node starts),
            // comments and aliases.
            // libyaml starts a comment at any token start (after a space or a flow indicator, not only a space), and a
            // quoted value only where a token starts after an indicator (a quote inside a plain value is text); a
            // quoted value is skipped only to its end on the same line. Anything else is counted: counting too much
            // can only refuse a file, counting too little let a deep one through (both were fuzzing findings).
            var previous = space, significant: UInt8? = nil
            while index < bytes.count, bytes[index] != newline {
                let byte = bytes[index]
                let tokenStart = previous == space || previous == tab || Self.flowIndicators.contains(previous)
                switch byte {
                case UInt8(ascii: "#") where tokenStart:
                    while index < bytes.count, bytes[index] != newline { index += 1 }
                    continue
                case UInt8(ascii: "'") where tokenStart && Self.quoteMayFollow(significant),
                     UInt8(ascii: "\"") where tokenStart && Self.quoteMayFollow(significant):
                    index = Self.endOfQuoted(bytes, from: index)
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    flowDepth += 1
                    if blockIndents.count + flowDepth > maximumDepth { throw fail(line, "nested deeper than \(maximumDepth) levels") }
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    flowDepth = max(flowDepth - 1, 0)
                case UInt8(ascii: "*") where nodeStarts.contains(previous):
                    if index + 1 < bytes.count, ![space, newline, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}")].contains(bytes[index + 1]) {
                        throw fail(line, "YAML aliases (*name) are not accepted here: an alias can expand without bound")
                    }
                default: break
                }
                previous = bytes[index]
                if previous != space && previous != tab { significant = previous }
                index += 1
            }
            line += 1
            index += 1
        }
    }

    private static let tab = UInt8(ascii: "\t")
    private static let flowIndicators: [UInt8] = [UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ",")]

    /// Whether a quote after the last non-blank byte `significant` of the line (nil: none) can open a quoted value:
    /// at a line's first token, or after `[ { , : - ?`.
    private static func quoteMayFollow(_ significant: UInt8?) -> Bool {
        guard let significant else { return true }
        return [UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "?")].contains(significant)
    }

    /// The index of the closing quote of the quoted value opening at `start` on the same line, or `start` itself when
    /// it does not close on that line (then the rest of the line is counted as if it were not quoted).
    private static func endOfQuoted(_ bytes: [UInt8], from start: Int) -> Int {
        let quote = bytes[start]
        var index = start + 1
        while index < bytes.count, bytes[index] != UInt8(ascii: "\n") {
            let byte = bytes[index]
            if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") { index += 2; continue }
            if byte == quote {
                if quote == UInt8(ascii: "'"), index + 1 < bytes.count, bytes[index + 1] == quote { index += 2; continue }
                return index
            }
            index += 1
        }
        return start
    }
}

/// Work for a large-stack thread and its result (written before the semaphore is signalled, read after the wait;
/// the caller waits, so the closure outlives the thread's use of it).
private final class LargeStackJob<T>: @unchecked Sendable {
    private var work: (() throws -> T)?
    var result: Result<T, Error>?

    init(_ work: @escaping () throws -> T) { self.work = work }

    /// Runs the work once and lets go of it (the caller's closure must not outlive its call).
    func run() {
        result = Result { try work!() }
        work = nil
    }
}
