/// A rule of RFC 6455 (or RFC 7692) that the peer broke. Each maps to the close code we send when we
/// fail the connection because of it, and to a short reason text for that close frame.
public enum WebSocketProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    // Frame structure (found by the parser).
    /// Opcodes 0x3-0x7 and 0xB-0xF are reserved.
    case reservedOpcode(UInt8)
    /// Control frames must have FIN set.
    case fragmentedControlFrame
    /// Control frames carry at most 125 payload bytes.
    case controlFrameTooLong
    /// The 64-bit extended payload length must have its most significant bit clear.
    case payloadLengthTooLarge
    /// The frame is longer than the configured `maxFrameSize`.
    case frameTooLarge(length: Int, limit: Int)

    // Frame rules that depend on the connection (found by the connection).
    /// RSV2/RSV3 set, or RSV1 set without a negotiated extension or outside the first frame of a data message.
    case reservedBitsSet
    /// A server received a frame without a masking key.
    case unmaskedFrameFromClient
    /// A client received a frame with a masking key.
    case maskedFrameFromServer
    /// A continuation frame arrived with no fragmented message to continue.
    case continuationWithoutMessage
    /// A text or binary frame arrived while a fragmented message was still open.
    case dataFrameInsideFragmentedMessage

    // Payload rules.
    /// A text message (or a close reason) is not valid UTF-8, or ends inside a code point.
    case invalidUTF8
    /// The message is longer than the configured `maxMessageSize` (after decompression).
    case messageTooBig(limit: Int)
    /// A close frame with a one-byte payload (too short for a status code).
    case closePayloadTooShort
    /// A close frame with a status code that may not appear on the wire.
    case invalidCloseCode(UInt16)
    /// A close frame whose reason is not valid UTF-8.
    case invalidCloseReason
    /// A compressed message the negotiated extension could not decompress.
    case invalidCompressedData

    /// The code of the close frame we send when this error fails the connection.
    public var closeCode: WebSocketCloseCode {
        switch self {
        case .frameTooLarge, .messageTooBig: .messageTooBig
        case .invalidUTF8, .invalidCloseReason, .invalidCompressedData: .invalidPayloadData
        default: .protocolError
        }
    }

    /// A short reason for the close frame (well under the 123-byte limit).
    public var description: String {
        switch self {
        case .reservedOpcode(let opcode): "reserved opcode 0x\(String(opcode, radix: 16))"
        case .fragmentedControlFrame: "fragmented control frame"
        case .controlFrameTooLong: "control frame longer than 125 bytes"
        case .payloadLengthTooLarge: "payload length has its most significant bit set"
        case .frameTooLarge(let length, let limit): "frame of \(length) bytes exceeds \(limit)"
        case .reservedBitsSet: "unexpected reserved bits"
        case .unmaskedFrameFromClient: "client frame not masked"
        case .maskedFrameFromServer: "server frame masked"
        case .continuationWithoutMessage: "continuation frame without a message"
        case .dataFrameInsideFragmentedMessage: "data frame inside a fragmented message"
        case .invalidUTF8: "invalid UTF-8 in text message"
        case .messageTooBig(let limit): "message exceeds \(limit) bytes"
        case .closePayloadTooShort: "close frame payload of 1 byte"
        case .invalidCloseCode(let code): "invalid close code \(code)"
        case .invalidCloseReason: "invalid UTF-8 in close reason"
        case .invalidCompressedData: "invalid compressed data"
        }
    }
}

/// Why a connection was failed (RFC 6455 section 7.1.7): the peer broke a rule, the keepalive pong did
/// not come, or our own compressor broke. For logs; the close code is what the peer sees.
public enum WebSocketFailure: Error, Equatable, Sendable, CustomStringConvertible {
    case protocolError(WebSocketProtocolError)
    /// No pong arrived between a keepalive ping and its deadline.
    case keepaliveTimeout
    /// Our compressor failed while compressing an outbound message; its context can no longer be trusted.
    case compressionFailed(WebSocketCompressionError)
    /// The decompressor failed for a reason unrelated to the peer's data.
    case decompressionFailed(String)

    public var closeCode: WebSocketCloseCode {
        switch self {
        case .protocolError(let error): error.closeCode
        case .keepaliveTimeout, .compressionFailed, .decompressionFailed: .internalError
        }
    }

    public var description: String {
        switch self {
        case .protocolError(let error): error.description
        case .keepaliveTimeout: "keepalive timeout"
        case .compressionFailed: "compression failed"
        case .decompressionFailed: "decompression failed"
        }
    }
}
