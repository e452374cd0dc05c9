import Foundation

/// The rule for names that become directories (a run's `name`, a sweep's name, its variants and model sizes): one
/// path component of letters, digits, '.', '_' and '-', starting with a letter or digit, so that no name can place
/// a run outside `runs/` or the coordinator's state directory.
public enum RunName {
    /// Why `name` cannot name a directory, or nil when it can.
    public static func problem(_ name: String) -> String? {
        name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]*$", options: .regularExpression) != nil ? nil
            : "'\(name)' must be letters, digits, '.', '_' or '-', starting with a letter or digit (it names a run directory)"
    }
}
