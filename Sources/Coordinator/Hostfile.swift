import Support
import Foundation

/// One host of the pool and how many ranks it may run at once.
public struct HostSlots: Equatable, Sendable, Codable {
    public var host: String
    public var slots: Int

    public init(host: String, slots: Int) {
        self.host = host
        self.slots = slots
    }
}

/// An OpenMPI hostfile: one `host [slots=N] [max_slots=M]` per line, `#` comments. A host without `slots=` has
/// one slot (as in OpenMPI); `max_slots` is accepted and ignored (the coordinator never oversubscribes).
public enum Hostfile {
    /// Parses hostfile text; `file` names it in errors. A host listed twice adds up its slots.
    public static func parse(_ text: String, file: String) throws -> [HostSlots] {
        var hosts: [HostSlots] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let host = words.first else { continue }
            var slots = 1
            for word in words.dropFirst() {
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = Int(parts[1]), value >= 0 else {
                    throw CoordinatorError("\(file):\(index + 1): expected 'host slots=N', got '\(word)'")
                }
                switch parts[0] {
                case "slots": slots = value
                case "max_slots", "max-slots": break
                default: throw CoordinatorError("\(file):\(index + 1): unknown hostfile field '\(parts[0])' (known: slots, max_slots)")
                }
            }
            if let existing = hosts.firstIndex(where: { $0.host == host }) {
                hosts[existing].slots += slots
            } else {
                hosts.append(HostSlots(host: host, slots: slots))
            }
        }
        guard hosts.reduce(0, { $0 + $1.slots }) > 0 else { throw CoordinatorError("\(file): the hostfile has no slots (expected lines like 'localhost slots=2')") }
        return hosts
    }

    /// Reads and parses a hostfile.
    public static func load(_ path: String) throws -> [HostSlots] {
        try parse(try readSettingsFile(path), file: path)
    }
}
