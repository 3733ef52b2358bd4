import NIOCore

/// What a presenter's text frame is, decided by `JSONValidator.classify(_:)` in one pass.
public enum PresenterMessageKind: Hashable, Sendable {
    /// Valid JSON that is not a JSON-RPC request: an event to sequence and fan out, verbatim.
    /// JSON-RPC notifications (no `"id"`) such as clawd's `session.messageCreated` are events.
    case event
    /// A top-level object with `"jsonrpc":"2.0"`, a `"method"` member and an `"id"` member: handled
    /// as RPC on the presenter's socket. Member types are not checked here; the RPC layer answers
    /// a non-string method with -32600 as usual.
    case rpcRequest(RPCRequestOutline)
}

/// Where the interesting members of a JSON-RPC request sit in the message, found without
/// building an object tree. Ranges are byte offsets from the message's `readerIndex` and cover
/// the raw JSON value (a string's range includes its quotes). When a key occurs twice, the last
/// occurrence wins, as in the common parsers.
public struct RPCRequestOutline: Hashable, Sendable {
    public var methodRange: Range<Int>
    public var idRange: Range<Int>

    public init(methodRange: Range<Int>, idRange: Range<Int>) {
        self.methodRange = methodRange
        self.idRange = idRange
    }

    /// The method name if the `"method"` value is a JSON string (escapes decoded), else nil.
    /// Enough to route `relay.sync` without a full parse.
    public func method(in message: ByteBuffer) -> String? {
        message.withUnsafeReadableBytes { bytes in
            JSONStringDecoding.decode(UnsafeRawBufferPointer(rebasing: bytes[methodRange]))
        }
    }

    /// The `"id"` value exactly as the presenter wrote it (a number, string or null literal), to be
    /// echoed in the response, e.g. by `RelayMessage.writeSyncResult(rawID:seq:into:)`.
    public func rawID(in message: ByteBuffer) -> ByteBuffer {
        message.getSlice(at: message.readerIndex + idRange.lowerBound, length: idRange.count)!
    }
}

/// Decoding of JSON string literals the validator has already checked: used only for the few
/// strings the classifier must compare semantically (keys or values written with escapes) and for
/// `RPCRequestOutline.method(in:)`. Never on the event path.
enum JSONStringDecoding {
    /// Decodes a JSON string literal (quotes included). Returns nil if `literal` is not a string.
    /// Lone surrogate escapes decode to U+FFFD.
    static func decode(_ literal: UnsafeRawBufferPointer) -> String? {
        guard literal.count >= 2, literal.first == UInt8(ascii: "\""), literal.last == UInt8(ascii: "\"") else {
            return nil
        }
        let body = UnsafeRawBufferPointer(rebasing: literal[1..<(literal.count - 1)])
        guard body.contains(UInt8(ascii: "\\")) else {
            return String(decoding: body, as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        var utf8Run: [UInt8] = []
        var index = 0
        func flushRun() {
            if !utf8Run.isEmpty {
                scalars.append(contentsOf: String(decoding: utf8Run, as: UTF8.self).unicodeScalars)
                utf8Run.removeAll(keepingCapacity: true)
            }
        }
        func hex4(at offset: Int) -> UInt32? {
            guard offset + 4 <= body.count else { return nil }
            var value: UInt32 = 0
            for byte in body[offset..<(offset + 4)] {
                guard let digit = hexValue(byte) else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while index < body.count {
            let byte = body[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < body.count else {
                utf8Run.append(byte)
                index += 1
                continue
            }
            flushRun()
            let escape = body[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                guard let unit = hex4(at: index) else { return nil }
                index += 4
                if (0xD800...0xDBFF).contains(unit), index + 6 <= body.count,
                    body[index] == UInt8(ascii: "\\"), body[index + 1] == UInt8(ascii: "u"),
                    let low = hex4(at: index + 2), (0xDC00...0xDFFF).contains(low)
                {
                    index += 6
                    scalars.append(Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!)
                } else {
                    scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                }
            default: scalars.append(Unicode.Scalar(escape))
            }
        }
        flushRun()
        return String(scalars)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}
