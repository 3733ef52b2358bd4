/// A frame opcode (RFC 6455 section 5.2): four bits of the frame's first octet.
///
/// The reserved values (3-7 and 11-15) are representable so that the parser can report them;
/// no extension we implement defines them, so a frame carrying one fails the connection.
public struct WebSocketOpcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    /// Fails for values that do not fit in four bits.
    public init?(rawValue: UInt8) {
        guard rawValue <= 0x0F else { return nil }
        self.rawValue = rawValue
    }

    private init(_ rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let continuation = WebSocketOpcode(0x0)
    public static let text = WebSocketOpcode(0x1)
    public static let binary = WebSocketOpcode(0x2)
    public static let close = WebSocketOpcode(0x8)
    public static let ping = WebSocketOpcode(0x9)
    public static let pong = WebSocketOpcode(0xA)

    /// Control opcodes have the high bit of the nibble set (0x8-0xF); they are never fragmented
    /// and carry at most 125 payload bytes.
    public var isControl: Bool { rawValue & 0x8 != 0 }

    /// True for the opcodes RFC 6455 leaves undefined (0x3-0x7 and 0xB-0xF).
    public var isReserved: Bool {
        switch rawValue {
        case 0x0, 0x1, 0x2, 0x8, 0x9, 0xA: false
        default: true
        }
    }

    public var description: String {
        switch self {
        case .continuation: "continuation"
        case .text: "text"
        case .binary: "binary"
        case .close: "close"
        case .ping: "ping"
        case .pong: "pong"
        default: "reserved(0x\(String(rawValue, radix: 16)))"
        }
    }
}
