/// WebDataset naming: a sample is the group of consecutive members `<key>.<ext>` sharing a key.
enum SampleNaming {
    /// Why `key` cannot be written as a sample key, or nil if it can.
    static func problem(withKey key: String) -> String? {
        if key.isEmpty { return "it is empty" }
        if key.contains(".") { return "it contains '.'" }
        if key.contains("/") { return "it contains '/'" }
        return nil
    }

    /// Why `ext` cannot be written as a member extension, or nil if it can.
    static func problem(withExtension ext: String) -> String? {
        if ext.isEmpty { return "the extension is empty" }
        if ext.contains("/") { return "the extension contains '/'" }
        return nil
    }

    static func memberName(key: String, extension ext: String) -> String {
        key + "." + ext
    }

    /// Splits a member name into (key, extension) the WebDataset way: a leading "./" is dropped, directories stay
    /// in the key, and the extension starts at the first '.' of the file name (so `a.seg.png` has extension `seg.png`).
    static func split(memberName name: String, file: String) throws -> (key: String, extension: String) {
        let path = name.hasPrefix("./") ? name.dropFirst(2) : Substring(name)
        let fileNameStart = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        guard let dot = path[fileNameStart...].firstIndex(of: ".") else {
            throw ShardError.memberWithoutExtension(file: file, member: name)
        }
        let ext = path[path.index(after: dot)...]
        guard !ext.isEmpty else { throw ShardError.memberWithoutExtension(file: file, member: name) }
        guard dot > fileNameStart else { throw ShardError.memberWithoutKey(file: file, member: name) }
        return (String(path[..<dot]), String(ext))
    }
}
