import Foundation

/// Reads processes from /proc: start times (to tell a process from a later one that reuses its pid), liveness, and
/// processes by an environment entry.
public enum ProcessTable {
    /// Fields of /proc/<pid>/stat after the command name: state (field 3) is index 0, pgrp (5) index 2,
    /// starttime (22) index 19.
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// The start time of `pid` in clock ticks since boot, or nil when there is no such process.
    public static func startTicks(of pid: Int32) -> UInt64? {
        guard let fields = statFields(pid), fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// The command name of `pid` (/proc/<pid>/comm: the executable's or script's file name, cut to 15 bytes), or nil
    /// when there is no such process.
    public static func commandName(of pid: Int32) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return nil }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    /// Whether `process` is still running: the pid exists, is not a zombie, and started when it was recorded.
    public static func isAlive(_ process: ProcessIdentity) -> Bool {
        guard let fields = statFields(process.pid), fields.count > 19 else { return false }
        return fields[0] != "Z" && fields[0] != "X" && UInt64(fields[19]) == process.startTicks
    }

    /// Every live process whose environment holds `entry` ("NAME=value"), with its process group.
    public static func processes(withEnvironment entry: String) -> [ProcessIdentity] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let needle = Data(entry.utf8) + Data([0])
        return names.compactMap { name -> ProcessIdentity? in
            guard let pid = Int32(name), let environment = FileManager.default.contents(atPath: "/proc/\(name)/environ"),
                  (Data([0]) + environment).range(of: Data([0]) + needle) != nil,
                  let fields = statFields(pid), fields.count > 19, fields[0] != "Z",
                  let group = Int32(fields[2]), let ticks = UInt64(fields[19]) else { return nil }
            return ProcessIdentity(pid: pid, processGroup: group, startTicks: ticks)
        }
    }
}
