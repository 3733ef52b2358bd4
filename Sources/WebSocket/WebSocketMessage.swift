import NIOCore

/// A complete data message (RFC 6455 section 5.6): the payload of its frames joined, decompressed.
public struct WebSocketMessage: Sendable, Equatable {
    public enum Kind: Sendable, Hashable {
        case text
        case binary
    }

    public var kind: Kind
    /// For `.text`, UTF-8 bytes: received messages were validated; for messages we send, the caller
    /// promises it (`text(_:)` builds them from a `String`, which is always valid).
    public var data: ByteBuffer

    public init(kind: Kind, data: ByteBuffer) {
        self.kind = kind
        self.data = data
    }

    public static func text(_ string: String) -> WebSocketMessage {
        WebSocketMessage(kind: .text, data: ByteBuffer(string: string))
    }

    public static func binary(_ data: ByteBuffer) -> WebSocketMessage {
        WebSocketMessage(kind: .binary, data: data)
    }

    /// The text of a text message, nil for a binary one.
    public var text: String? {
        kind == .text ? String(buffer: data) : nil
    }
}
