/// A session's identifier: 1 to 128 characters of `[A-Za-z0-9._:-]`.
public struct SessionID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let maximumLength = 128

    public let rawValue: String

    /// nil unless `string` is 1-128 characters of `[A-Za-z0-9._:-]`.
    public init?(_ string: String) {
        guard Self.isValid(string) else { return nil }
        rawValue = string
    }

    /// For values read back from storage, which another program may have written unchecked.
    init(stored string: String) {
        rawValue = string
    }

    public static func isValid(_ string: String) -> Bool {
        let utf8 = string.utf8
        guard !utf8.isEmpty, utf8.count <= maximumLength else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: SessionID, rhs: SessionID) -> Bool { lhs.rawValue < rhs.rawValue }
}
