import NIOCore

/// The JSON text messages the relay sends, byte for byte as documented in `docs/protocol.md`
/// (issue 4). Each encoder appends one complete JSON value to a `ByteBuffer`; wrapping it into a
/// WebSocket frame is the `RelayFrameEncoder`'s job.
///
/// Keys appear in the documented order and without whitespace, so clients and tests can compare
/// bytes. `event` is the hot path and is a static function taking the raw event bytes.
public enum RelayMessage: Hashable, Sendable {
    /// To a presenter on connect: `{"type":"ready","sessionId":"abc123","seq":12}`.
    case ready(sessionId: String, seq: UInt64)
    /// To a viewer first: `{"type":"hello","sessionId":"abc123","expiresAt":"...Z"|null,"seq":12,"presenter":true,"viewers":3}`.
    case hello(sessionId: String, expiresAt: RelayTime?, seq: UInt64, presence: PresenceState)
    /// To a viewer whose resume point is older than retention: `{"type":"gap","from":5,"to":9}`.
    case gap(from: UInt64, to: UInt64)
    /// To viewers when the presenter or the viewer count changes: `{"type":"presence","presenter":true,"viewers":3}`.
    case presence(PresenceState)
    /// To presenters when the viewer count changes: `{"type":"viewers","count":3}`.
    case viewers(count: Int)
    /// To a presenter whose frame was refused: `{"type":"error","error":{"code":-32700,"message":"..."}}`.
    case error(code: Int, message: String)

    /// The JSON-RPC 2.0 parse error code, used for invalid JSON and binary frames from presenters.
    public static let parseErrorCode = -32700

    /// The answer to a presenter text frame that is not valid JSON.
    public static func parseError(_ error: JSONSyntaxError) -> RelayMessage {
        .error(code: parseErrorCode, message: error.message)
    }

    /// The answer to a binary frame from a presenter (events are JSON text).
    public static let binaryFrameRefused = RelayMessage.error(
        code: parseErrorCode, message: "Parse error: binary frames are not accepted, send JSON text"
    )

    /// Appends this message's JSON text to `buffer`.
    public func write(into buffer: inout ByteBuffer) {
        switch self {
        case let .ready(sessionId, seq):
            buffer.writeStaticString(#"{"type":"ready","sessionId":"#)
            buffer.writeJSONString(sessionId)
            buffer.writeStaticString(#","seq":"#)
            buffer.writeDecimal(seq)
            buffer.writeStaticString("}")
        case let .hello(sessionId, expiresAt, seq, presence):
            buffer.writeStaticString(#"{"type":"hello","sessionId":"#)
            buffer.writeJSONString(sessionId)
            buffer.writeStaticString(#","expiresAt":"#)
            if let expiresAt {
                buffer.writeStaticString("\"")
                buffer.writeRFC3339(expiresAt)
                buffer.writeStaticString("\"")
            } else {
                buffer.writeStaticString("null")
            }
            buffer.writeStaticString(#","seq":"#)
            buffer.writeDecimal(seq)
            buffer.writeStaticString(#","presenter":"#)
            buffer.writeStaticString(presence.presenter ? "true" : "false")
            buffer.writeStaticString(#","viewers":"#)
            buffer.writeDecimal(presence.viewers)
            buffer.writeStaticString("}")
        case let .gap(from, to):
            buffer.writeStaticString(#"{"type":"gap","from":"#)
            buffer.writeDecimal(from)
            buffer.writeStaticString(#","to":"#)
            buffer.writeDecimal(to)
            buffer.writeStaticString("}")
        case let .presence(presence):
            buffer.writeStaticString(#"{"type":"presence","presenter":"#)
            buffer.writeStaticString(presence.presenter ? "true" : "false")
            buffer.writeStaticString(#","viewers":"#)
            buffer.writeDecimal(presence.viewers)
            buffer.writeStaticString("}")
        case let .viewers(count):
            buffer.writeStaticString(#"{"type":"viewers","count":"#)
            buffer.writeDecimal(count)
            buffer.writeStaticString("}")
        case let .error(code, message):
            buffer.writeStaticString(#"{"type":"error","error":{"code":"#)
            buffer.writeDecimal(code)
            buffer.writeStaticString(#","message":"#)
            buffer.writeJSONString(message)
            buffer.writeStaticString("}}")
        }
    }

    /// This message's JSON text in a new buffer.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 96)
        write(into: &buffer)
        return buffer
    }

    /// The constant part of an event message: everything but the digits of `seq` and the data.
    static let eventEnvelopeBytes = #"{"type":"event","seq":,"time":"","data":}"#.utf8.count + 24

    /// Appends `{"type":"event","seq":N,"time":"<RFC 3339>","data":<data>}` to `buffer`.
    /// `data` must be one valid JSON value; it is copied verbatim.
    ///
    /// Returns the offset of the data bytes from the start of what was written, so the caller can
    /// slice the data back out of the encoded message (or of a frame that ends with it).
    @discardableResult
    public static func writeEvent(seq: UInt64, time: RelayTime, data: ByteBuffer, into buffer: inout ByteBuffer) -> Int {
        let start = buffer.writerIndex
        buffer.writeStaticString(#"{"type":"event","seq":"#)
        buffer.writeDecimal(seq)
        buffer.writeStaticString(#","time":""#)
        buffer.writeRFC3339(time)
        buffer.writeStaticString(#"","data":"#)
        let dataOffset = buffer.writerIndex - start
        buffer.writeImmutableBuffer(data)
        buffer.writeStaticString("}")
        return dataOffset
    }

    /// Appends a JSON-RPC 2.0 success response for `relay.sync`:
    /// `{"jsonrpc":"2.0","id":<id>,"result":{"seq":N}}`, where `rawID` is the request's `id`
    /// value exactly as it appeared in the request (see `RPCRequestOutline.rawID(in:)`).
    public static func writeSyncResult(rawID: ByteBuffer, seq: UInt64, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"jsonrpc":"2.0","id":"#)
        buffer.writeImmutableBuffer(rawID)
        buffer.writeStaticString(#","result":{"seq":"#)
        buffer.writeDecimal(seq)
        buffer.writeStaticString("}}")
    }
}
