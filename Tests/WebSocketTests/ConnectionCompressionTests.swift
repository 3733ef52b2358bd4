import NIOCore
import Testing

@testable import WebSocket

/// The connection's side of RFC 7692 (RSV1, per-frame decompression, limits), checked with a fake
/// run-length "compression" so that it does not depend on permessage-deflate.
@Suite("Connection: compressed messages (RFC 7692 section 6)")
struct ConnectionCompressionTests {
    @Test func compressedMessageIsDecompressed() {
        let input = Wire.frame(.text, runLengthEncoded(Array("aaaaabbbc".utf8)), rsv1: true)
        let transcript = replay(input, compression: runLengthCompression)
        #expect(transcript.events == [.message(.text("aaaaabbbc"))])
    }

    @Test func eachFrameOfACompressedMessageIsDecompressedWithFinalOnTheLast() {
        let compressed = runLengthEncoded(Array("xxxxxyyyyyzzzzz".utf8))  // 6 bytes, cut through a pair
        let input = Wire.frame(.text, Array(compressed[..<3]), fin: false, rsv1: true)
            + Wire.continuation(Array(compressed[3..<5]), fin: false) + Wire.continuation(Array(compressed[5...]))
        var lastDecompressor: RunLengthDecompressor?
        let transcript = replay(input, compression: {
            let decompressor = RunLengthDecompressor()
            lastDecompressor = decompressor
            return WebSocketNegotiatedCompression(compressor: RunLengthCompressor(), decompressor: decompressor)
        })
        #expect(transcript.events == [.message(.text("xxxxxyyyyyzzzzz"))])
        // The last replay fed one byte at a time: the decompressor still saw whole frames.
        #expect(lastDecompressor?.calls.map(\.bytes) == [3, 2, 1])
        #expect(lastDecompressor?.calls.map(\.isFinal) == [false, false, true])
    }

    @Test func uncompressedMessageOnACompressedConnectionBypassesTheDecompressor() {
        var lastDecompressor: RunLengthDecompressor?
        let transcript = replay(Wire.text("plain"), compression: {
            let decompressor = RunLengthDecompressor()
            lastDecompressor = decompressor
            return WebSocketNegotiatedCompression(compressor: RunLengthCompressor(), decompressor: decompressor)
        })
        #expect(transcript.events == [.message(.text("plain"))])
        #expect(lastDecompressor?.calls.isEmpty == true)
    }

    @Test func rsv1OnAContinuationFrameFailsWith1002() {
        let input = Wire.frame(.binary, [2, 0x41], fin: false, rsv1: true) + Wire.frame(.continuation, [2, 0x42], rsv1: true)
        let transcript = replay(input, compression: runLengthCompression)
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.reservedBitsSet))
    }

    @Test func rsv1OnAControlFrameFailsWith1002() {
        let transcript = replay(Wire.frame(.ping, [], rsv1: true), compression: runLengthCompression)
        #expect(transcript.sentCloseCodes == [.protocolError])
    }

    @Test func rsv2AndRsv3FailWith1002EvenWithCompression() {
        let transcript = replay(Wire.frame(.binary, [1, 0x41], rsv1: true, rsv2: true), compression: runLengthCompression)
        #expect(transcript.sentCloseCodes == [.protocolError])
    }

    @Test func corruptCompressedDataFailsWith1007() {
        let transcript = replay(Wire.frame(.binary, [0, 0x41], rsv1: true), compression: runLengthCompression)
        #expect(transcript.sentCloseCodes == [.invalidPayloadData])
        #expect(transcript.failure == .protocolError(.invalidCompressedData))
    }

    @Test func decompressedInvalidUTF8FailsWith1007() {
        let transcript = replay(Wire.frame(.text, [3, 0xFF], rsv1: true), compression: runLengthCompression)
        #expect(transcript.sentCloseCodes == [.invalidPayloadData])
        #expect(transcript.failure == .protocolError(.invalidUTF8))
    }

    @Test func decompressedInvalidUTF8FailsAtTheFrameNotAtTheMessageEnd() {
        let input = Wire.frame(.text, [1, 0x61], fin: false, rsv1: true) + Wire.continuation([1, 0xC0], fin: false)
        let transcript = replay(input, compression: runLengthCompression)
        #expect(transcript.sentCloseCodes == [.invalidPayloadData])
    }

    @Test func compressedTextEndingInsideACodePointFailsWith1007() {
        let transcript = replay(Wire.frame(.text, [1, 0xE2], rsv1: true), compression: runLengthCompression)
        #expect(transcript.sentCloseCodes == [.invalidPayloadData])
    }

    @Test func decompressionPastMaxMessageSizeFailsWith1009() {
        // 8 compressed bytes that expand to 1020: a small zip bomb against a 1000-byte limit.
        let input = Wire.frame(.binary, [255, 0x61, 255, 0x61, 255, 0x61, 255, 0x61], rsv1: true)
        let transcript = replay(input, configuration: .init(maxMessageSize: 1000), compression: runLengthCompression)
        #expect(transcript.sentCloseCodes == [.messageTooBig])
        #expect(transcript.failure == .protocolError(.messageTooBig(limit: 1000)))
    }

    @Test func decompressorInternalFailureFailsWith1011() {
        let transcript = replay(Wire.frame(.binary, [1, 0x61], rsv1: true), compression: {
            let decompressor = RunLengthDecompressor()
            decompressor.failure = .internalFailure("zlib said no")
            return WebSocketNegotiatedCompression(compressor: RunLengthCompressor(), decompressor: decompressor)
        })
        #expect(transcript.sentCloseCodes == [.internalError])
        #expect(transcript.failure == .decompressionFailed("zlib said no"))
    }

    @Test func sentMessageIsCompressedWithRSV1OnItsFirstFrameOnly() throws {
        var connection = WebSocketConnection(role: .server, compression: runLengthCompression())
        try connection.send(.text("aaaaaaaaaabbbbbbbbbbc"), fragmentSize: 2)
        let frames = try decodeFrames(Array(connection.takeOutput()!.readableBytesView))
        #expect(frames.map(\.opcode) == [.text, .continuation, .continuation])
        #expect(frames.map(\.rsv1) == [true, false, false])
        #expect(frames.map(\.fin) == [false, false, true])
        #expect(frames.flatMap(\.payload) == runLengthEncoded(Array("aaaaaaaaaabbbbbbbbbbc".utf8)))
    }

    @Test func compressionCanBeSkippedPerMessage() throws {
        let compression = runLengthCompression()
        var connection = WebSocketConnection(role: .server, compression: compression)
        try connection.send(.text("tiny"), compress: false)
        let frames = try decodeFrames(Array(connection.takeOutput()!.readableBytesView))
        #expect(frames == [.text("tiny")])
        #expect((compression.compressor as? RunLengthCompressor)?.compressedMessages == 0)
    }

    @Test func compressedMessagesRoundTripBetweenServerAndClient() throws {
        var server = WebSocketConnection(role: .server, compression: runLengthCompression())
        var client = WebSocketConnection(role: .client, compression: runLengthCompression())
        let text = String(repeating: "relay ", count: 500)
        try server.send(.text(text), fragmentSize: 100)
        client.receive(server.takeOutput()!)
        #expect(client.nextEvent() == .message(.text(text)))
        try client.send(.binary(ByteBuffer(repeating: 9, count: 3000)))
        server.receive(client.takeOutput()!)
        #expect(server.nextEvent() == .message(.binary(ByteBuffer(repeating: 9, count: 3000))))
    }

    @Test func compressorFailureThrowsAndFailsTheConnectionWith1011() throws {
        let compressor = RunLengthCompressor()
        compressor.failure = .internalFailure("out of memory")
        var connection = WebSocketConnection(
            role: .server,
            compression: WebSocketNegotiatedCompression(compressor: compressor, decompressor: RunLengthDecompressor())
        )
        #expect(throws: WebSocketSendError.compressionFailed) { try connection.send(.text("x")) }
        let frames = try decodeFrames(Array(connection.takeOutput()!.readableBytesView))
        #expect(frames.map(\.closeCode) == [.internalError])
        #expect(connection.failure == .compressionFailed(.internalFailure("out of memory")))
        #expect(connection.shouldCloseTransport)
    }
}
