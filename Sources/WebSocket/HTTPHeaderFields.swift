// Read access to the header fields of an HTTP/1.1 message as the handshake sees them: a list of
// (name, value) pairs in wire order, names compared case-insensitively (RFC 9110 section 5.1),
// values trimmed of optional whitespace, comma-separated lists gathered across repeated lines
// (RFC 9110 section 5.3 allows a list header to be split over several lines).

struct HTTPHeaderFields {
    let fields: [(name: String, value: String)]

    init(_ fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    /// Every value of the header `name`, in order, trimmed of spaces and tabs.
    func values(_ name: String) -> [Substring] {
        fields.compactMap { field in
            field.name.asciiCaseInsensitiveEquals(name) ? field.value[...].trimmingOptionalWhitespace() : nil
        }
    }

    /// The elements of a comma-separated list header over all its lines, trimmed, empty elements
    /// dropped (`a, , b` is `[a, b]`).
    func listElements(_ name: String) -> [Substring] {
        values(name).flatMap { value in
            value.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingOptionalWhitespace() }
                .filter { !$0.isEmpty }
        }
    }

    /// Whether the list header `name` contains `token`, compared case-insensitively.
    func listContains(_ name: String, token: String) -> Bool {
        listElements(name).contains { $0.asciiCaseInsensitiveEquals(token) }
    }

    /// RFC 9110 `token`: one or more `tchar`.
    static func isToken(_ string: some StringProtocol) -> Bool {
        !string.isEmpty && string.utf8.allSatisfy(isTokenCharacter)
    }

    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}

extension StringProtocol {
    /// ASCII case-insensitive equality, the comparison HTTP uses for field names and tokens.
    func asciiCaseInsensitiveEquals(_ other: some StringProtocol) -> Bool {
        utf8.elementsEqual(other.utf8) { lhs, rhs in
            lhs == rhs || (lhs | 0x20 == rhs | 0x20 && (lhs | 0x20) >= UInt8(ascii: "a") && (lhs | 0x20) <= UInt8(ascii: "z"))
        }
    }

    /// The string without leading and trailing spaces and horizontal tabs (HTTP's OWS).
    func trimmingOptionalWhitespace() -> Substring {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let string = self[...]
        guard let first = string.firstIndex(where: { !isWhitespace($0) }),
              let last = string.lastIndex(where: { !isWhitespace($0) })
        else { return Substring() }
        return Substring(string[first...last])
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and horizontal tabs (HTTP's OWS), by a
    /// scan of its UTF-8 bytes (both are ASCII, so the bounds found are character boundaries).
    /// Inlinable so callers in other modules (header values in the relay) get it specialized.
    @inlinable
    public func trimmingOptionalWhitespace() -> Substring {
        let isContent: (UInt8) -> Bool = { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        guard let first = utf8.firstIndex(where: isContent), let last = utf8.lastIndex(where: isContent) else {
            return Substring()
        }
        return self[first..<utf8.index(after: last)]
    }
}
