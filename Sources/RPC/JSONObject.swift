/// A JSON object with its members in order. Keys are unique (the parser refuses duplicates).
public struct JSONObject: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue

        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public var members: [Member]

    public init(_ members: [Member] = []) {
        self.members = members
    }

    public var keys: [String] { members.map(\.key) }

    public subscript(key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    public func contains(_ key: String) -> Bool {
        members.contains { $0.key == key }
    }

    /// Appends a member (callers keep keys unique).
    public mutating func append(_ key: String, _ value: JSONValue) {
        members.append(Member(key, value))
    }
}
