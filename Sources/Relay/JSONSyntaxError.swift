/// Why a presenter's text frame is not exactly one JSON value (RFC 8259). The I/O layer answers it
/// with `RelayMessage.error(code: -32700, message: error.message)` and keeps the socket open.
public struct JSONSyntaxError: Error, Hashable, Sendable {
    public enum Reason: Hashable, Sendable {
        /// Nothing but whitespace.
        case empty
        /// The text ended inside a value.
        case unexpectedEnd
        /// A byte that cannot start or continue a value here.
        case unexpectedByte(UInt8)
        /// A backslash not followed by one of `"\/bfnrt` or `u` and four hex digits.
        case invalidEscape
        /// An unescaped control character (below U+0020) inside a string.
        case controlCharacterInString
        /// A number not matching `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
        case invalidNumber
        /// Something that starts like `true`, `false` or `null` but is not.
        case invalidLiteral
        /// Arrays and objects nested deeper than the validator's limit.
        case tooDeep(limit: Int)
        /// More than whitespace after the value.
        case trailingData
    }

    public var reason: Reason
    /// Byte offset into the message where the problem was found.
    public var offset: Int

    public init(reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// The human-readable text for the `-32700` error message.
    public var message: String {
        let what: String
        switch reason {
        case .empty: what = "empty message"
        case .unexpectedEnd: what = "unexpected end of input"
        case let .unexpectedByte(byte):
            let hex = String(byte, radix: 16, uppercase: true)
            what = "unexpected byte 0x\(hex.count == 1 ? "0" + hex : hex)"
        case .invalidEscape: what = "invalid escape sequence"
        case .controlCharacterInString: what = "control character in string"
        case .invalidNumber: what = "invalid number"
        case .invalidLiteral: what = "invalid literal"
        case let .tooDeep(limit): what = "nesting deeper than \(limit)"
        case .trailingData: what = "data after the JSON value"
        }
        return "Parse error: \(what) at offset \(offset)"
    }
}
