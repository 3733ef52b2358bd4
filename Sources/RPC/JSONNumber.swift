/// A JSON number, kept as its validated literal text.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// nil unless `text` is a JSON number literal (RFC 8259 §6).
    public init?(_ text: String) {
        guard JSONNumber.isValidLiteral(Array(text.utf8)) else { return nil }
        self.text = text
    }

    init(validatedText text: String) {
        self.text = text
    }

    public init(_ value: Int64) {
        text = String(value)
    }

    public init(_ value: Int) {
        text = String(value)
    }

    /// The exact integer this literal denotes, or nil when it has a fractional part or does not
    /// fit in Int64. `3600`, `3600.0` and `3.6e3` all denote 3600.
    public var int64Value: Int64? {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return Int64(text)
        }
        guard let double = Double(text), double.isFinite, double.rounded(.towardZero) == double,
            double >= -9.2e18, double <= 9.2e18
        else { return nil }
        return Int64(double)
    }

    public var doubleValue: Double? { Double(text) }

    public var description: String { text }

    static func isValidLiteral(_ bytes: [UInt8]) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }
}
