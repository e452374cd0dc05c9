/// One sample of a shard: its key and its members' contents by extension (e.g. "jpg", "cls", "json").
public struct ShardSample: Equatable, Sendable {
    public let key: String
    public let members: [String: [UInt8]]

    public init(key: String, members: [String: [UInt8]]) {
        self.key = key
        self.members = members
    }

    /// The contents of the member with extension `ext`, if the sample has one.
    public subscript(ext: String) -> [UInt8]? { members[ext] }
}
