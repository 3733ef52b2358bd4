import CZlib
import NIOCore
import Testing
@testable import WebSocket

// RFC 7692 section 7.2: compressing and decompressing message payloads, the section 7.2.3 byte
// examples, context takeover, the 8-bit window, and the decompression bound.

/// Deterministic generator so that failures reproduce.
private struct DeflateTestGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let allocator = ByteBufferAllocator()

private func buffer(_ bytes: [UInt8]) -> ByteBuffer { allocator.buffer(bytes: bytes) }
private func buffer(_ string: String) -> ByteBuffer { allocator.buffer(string: string) }
private func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

/// Inflates one message given as frame payloads.
private func decompress(
    _ fragments: [[UInt8]], with decompressor: PerMessageDeflateDecompressor, maxMessageSize: Int = 1 << 30
) throws(WebSocketCompressionError) -> [UInt8] {
    var output = allocator.buffer(capacity: 0)
    for (index, fragment) in fragments.enumerated() {
        try decompressor.decompress(buffer(fragment), isFinal: index == fragments.count - 1, maxMessageSize: maxMessageSize, into: &output)
    }
    return bytes(output)
}

private func compress(_ message: [UInt8], with compressor: PerMessageDeflateCompressor) throws -> [UInt8] {
    bytes(try compressor.compress(buffer(message), allocator: allocator))
}

/// The compression error `body` throws, nil if it succeeds.
private func errorOf(_ body: () throws -> Void) -> WebSocketCompressionError? {
    do {
        try body()
        return nil
    } catch {
        return error as? WebSocketCompressionError ?? .internalFailure("unexpected \(error)")
    }
}

/// Text-like data: words from a small vocabulary, so it compresses like JSON events do.
private func textLikeMessage(count: Int, using generator: inout DeflateTestGenerator) -> [UInt8] {
    let words = ["session", "event", "cursor", "viewer", "{\"type\":", "\"delta\"", "42", "presence", ", ", "\n", "relay", "ack"]
    var message: [UInt8] = []
    while message.count < count {
        message += Array(words.randomElement(using: &generator)!.utf8)
    }
    return Array(message.prefix(count))
}

private func randomBytes(count: Int, using generator: inout DeflateTestGenerator) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

/// Splits `bytes` at `cuts` random points into frame payloads (some possibly empty).
private func fragments(of bytes: [UInt8], cuts: Int, using generator: inout DeflateTestGenerator) -> [[UInt8]] {
    let points = ((0..<cuts).map { _ in Int.random(in: 0...bytes.count, using: &generator) } + [0, bytes.count]).sorted()
    return zip(points, points.dropFirst()).map { Array(bytes[$0..<$1]) }
}

/// zlib's inflate fed one output byte per call, so every back-reference must be served from the
/// window kept between calls: a distance beyond 2^windowBits fails ("invalid distance too far
/// back"). Plain zlib inflate is not strict, it also resolves references into the current output
/// buffer, which is why this helper exists. Messages are inflated in sequence (context takeover).
private final class StrictInflater {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)

    init(windowBits: Int32) {
        stream.initialize(to: z_stream())
        precondition(inflateInit2_(stream, -windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// The message, or nil when zlib rejects the data.
    func inflateMessage(_ payload: [UInt8]) -> [UInt8]? {
        var input = payload + [0x00, 0x00, 0xFF, 0xFF]
        var output: [UInt8] = []
        var byte: UInt8 = 0
        return input.withUnsafeMutableBufferPointer { inputPointer -> [UInt8]? in
            stream.pointee.next_in = inputPointer.baseAddress
            stream.pointee.avail_in = uInt(inputPointer.count)
            while true {
                let status = withUnsafeMutablePointer(to: &byte) { bytePointer in
                    stream.pointee.next_out = bytePointer
                    stream.pointee.avail_out = 1
                    return inflate(stream, Z_SYNC_FLUSH)
                }
                if stream.pointee.avail_out == 0 { output.append(byte) }
                switch status {
                case Z_OK where stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0: continue
                case Z_OK, Z_BUF_ERROR: return output
                default: return nil
                }
            }
        }
    }
}

@Suite struct PerMessageDeflateCompressionTests {
    // MARK: RFC 7692 section 7.2.3 examples

    @Test func rfc7692_7_2_3_1_helloInOneCompressedFrameDecompresses() throws {
        let decompressor = PerMessageDeflateDecompressor()
        #expect(try decompress([[0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]], with: decompressor) == Array("Hello".utf8))
    }

    @Test func rfc7692_7_2_3_1_helloInTwoFragmentsDecompresses() throws {
        let decompressor = PerMessageDeflateDecompressor()
        #expect(try decompress([[0xF2, 0x48, 0xCD], [0xC9, 0xC9, 0x07, 0x00]], with: decompressor) == Array("Hello".utf8))
    }

    @Test func rfc7692_7_2_3_2_secondHelloUsesTheSharedWindow() throws {
        let decompressor = PerMessageDeflateDecompressor()
        #expect(try decompress([[0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]], with: decompressor) == Array("Hello".utf8))
        #expect(try decompress([[0xF2, 0x00, 0x11, 0x00, 0x00]], with: decompressor) == Array("Hello".utf8))
    }

    @Test func rfc7692_7_2_3_3_helloInAStoredBlockDecompresses() throws {
        let payload: [UInt8] = [0x00, 0x05, 0x00, 0xFA, 0xFF, 0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x00]
        #expect(try decompress([payload], with: PerMessageDeflateDecompressor()) == Array("Hello".utf8))
    }

    @Test func rfc7692_7_2_3_4_helloInTwoDeflateBlocksDecompresses() throws {
        let payload: [UInt8] = [0xF2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xCA, 0xC9, 0xC9, 0x07, 0x00]
        #expect(try decompress([payload], with: PerMessageDeflateDecompressor()) == Array("Hello".utf8))
    }

    @Test func rfc7692_7_2_3_5_helloInABlockWithBFINALDecompresses() throws {
        let payload: [UInt8] = [0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00]
        #expect(try decompress([payload], with: PerMessageDeflateDecompressor()) == Array("Hello".utf8))
    }

    @Test func windowSurvivesABFINALBlockForTheNextMessageUnderContextTakeover() throws {
        let decompressor = PerMessageDeflateDecompressor()
        #expect(try decompress([[0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00]], with: decompressor) == Array("Hello".utf8))
        // 7.2.3.2's second message refers back five bytes into the first message.
        #expect(try decompress([[0xF2, 0x00, 0x11, 0x00, 0x00]], with: decompressor) == Array("Hello".utf8))
    }

    @Test func streamEndedByBFINALExactlyAtThePayloadEndNeedsNoTail() throws {
        let decompressor = PerMessageDeflateDecompressor()
        #expect(try decompress([[0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]], with: decompressor) == Array("Hello".utf8))
        #expect(try decompress([[0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]], with: decompressor) == Array("Hello".utf8))
    }

    @Test func rfc7692_7_2_3_6_emptyMessageCompressesToOneZeroByteAndBack() throws {
        let compressor = PerMessageDeflateCompressor()
        #expect(try compress([], with: compressor) == [0x00])
        #expect(try decompress([[0x00]], with: PerMessageDeflateDecompressor()) == [])
    }

    @Test func compressedMessageWithAnEmptyPayloadIsAnEmptyMessage() throws {
        let decompressor = PerMessageDeflateDecompressor()
        #expect(try decompress([[]], with: decompressor) == [])
        #expect(try decompress([[], []], with: decompressor) == [])
        #expect(try decompress([[0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]], with: decompressor) == Array("Hello".utf8))
    }

    @Test func compressedHelloRoundTripsWithoutTheSyncFlushTail() throws {
        let compressed = try compress(Array("Hello".utf8), with: PerMessageDeflateCompressor())
        #expect(compressed.suffix(4) != [0x00, 0x00, 0xFF, 0xFF])
        #expect(try decompress([compressed], with: PerMessageDeflateDecompressor()) == Array("Hello".utf8))
    }

    @Test func contextTakeoverShrinksARepeatedMessage() throws {
        let compressor = PerMessageDeflateCompressor()
        let decompressor = PerMessageDeflateDecompressor()
        let first = try compress(Array("Hello".utf8), with: compressor)
        let second = try compress(Array("Hello".utf8), with: compressor)
        #expect(second.count < first.count)
        #expect(try decompress([first], with: decompressor) == Array("Hello".utf8))
        #expect(try decompress([second], with: decompressor) == Array("Hello".utf8))
    }

    // MARK: No context takeover and sharing compressed bytes

    @Test func noContextTakeoverCompressesTheSameMessageToIdenticalBytes() throws {
        var generator = DeflateTestGenerator(state: 7)
        let message = textLikeMessage(count: 3000, using: &generator)
        let settings = PerMessageDeflateCompressor.Settings(windowBits: 12, noContextTakeover: true)
        let compressor = PerMessageDeflateCompressor(settings: settings)
        let first = try compress(message, with: compressor)
        let second = try compress(message, with: compressor)
        let fromAnotherCompressor = try compress(message, with: PerMessageDeflateCompressor(settings: settings))
        #expect(first == second)
        #expect(first == fromAnotherCompressor)
    }

    @Test func withContextTakeoverTheSameMessageCompressesDifferentlyTheSecondTime() throws {
        var generator = DeflateTestGenerator(state: 8)
        let message = textLikeMessage(count: 3000, using: &generator)
        let compressor = PerMessageDeflateCompressor(settings: .init(windowBits: 15, noContextTakeover: false))
        #expect(try compress(message, with: compressor) != compress(message, with: compressor))
    }

    @Test func sharedBytesDecodeForEveryPeerWithAnEqualOrLargerWindow() throws {
        var generator = DeflateTestGenerator(state: 9)
        let messages = (0..<5).map { _ in textLikeMessage(count: 5000, using: &generator) }
        let shared = PerMessageDeflateCompressor(settings: .init(windowBits: 10, noContextTakeover: true))
        let payloads = try messages.map { try compress($0, with: shared) }
        for peerWindow in [10, 12, 15] {
            for peerTakesOverContext in [false, true] {
                let peer = PerMessageDeflateDecompressor(settings: .init(windowBits: peerWindow, noContextTakeover: !peerTakesOverContext))
                for (message, payload) in zip(messages, payloads) {
                    #expect(try decompress([payload], with: peer) == message)
                }
            }
        }
    }

    @Test func sharedMessagesFitConnectionsWithoutServerContextTakeoverAndAnEqualOrLargerWindow() {
        let shared = PerMessageDeflateCompressor.Settings(windowBits: 12, noContextTakeover: true)
        #expect(PerMessageDeflateParameters(serverNoContextTakeover: true).acceptsSharedServerMessages(compressedWith: shared))
        #expect(PerMessageDeflateParameters(serverNoContextTakeover: true, serverMaxWindowBits: 12).acceptsSharedServerMessages(compressedWith: shared))
        #expect(!PerMessageDeflateParameters(serverNoContextTakeover: true, serverMaxWindowBits: 11).acceptsSharedServerMessages(compressedWith: shared))
        #expect(!PerMessageDeflateParameters(serverNoContextTakeover: false).acceptsSharedServerMessages(compressedWith: shared))
        let takingOver = PerMessageDeflateCompressor.Settings(windowBits: 12, noContextTakeover: false)
        #expect(!PerMessageDeflateParameters(serverNoContextTakeover: true).acceptsSharedServerMessages(compressedWith: takingOver))
    }

    @Test func noContextTakeoverDecompressorResetsBetweenMessages() throws {
        // The second message of 7.2.3.2 refers to the first; a decompressor told that the peer
        // does not take over context starts empty, so the reference is invalid.
        let decompressor = PerMessageDeflateDecompressor(settings: .init(noContextTakeover: true))
        #expect(try decompress([[0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]], with: decompressor) == Array("Hello".utf8))
        #expect(errorOf { _ = try decompress([[0xF2, 0x00, 0x11, 0x00, 0x00]], with: decompressor) } == .invalidData)
    }

    // MARK: Round trips

    @Test(arguments: [false, true])
    func randomMessagesRoundTripAcrossRandomFragmentSplits(noContextTakeover: Bool) throws {
        var generator = DeflateTestGenerator(state: noContextTakeover ? 11 : 12)
        let compressor = PerMessageDeflateCompressor(settings: .init(windowBits: 15, noContextTakeover: noContextTakeover))
        let decompressor = PerMessageDeflateDecompressor(settings: .init(windowBits: 15, noContextTakeover: noContextTakeover))
        for round in 0..<60 {
            let count = [0, 1, 5, 125, 126, 1000, 65_535, 65_536, 200_000][round % 9]
            let message = round % 3 == 0 ? randomBytes(count: count, using: &generator) : textLikeMessage(count: count, using: &generator)
            let compressed = try compress(message, with: compressor)
            let pieces = fragments(of: compressed, cuts: Int.random(in: 0...6, using: &generator), using: &generator)
            #expect(try decompress(pieces, with: decompressor) == message, "round \(round), \(count) bytes, \(pieces.count) fragments")
        }
    }

    @Test func messageSplitAtEveryByteBoundaryDecompressesTheSame() throws {
        var generator = DeflateTestGenerator(state: 13)
        let messages = (0..<3).map { _ in textLikeMessage(count: 400, using: &generator) }
        let compressor = PerMessageDeflateCompressor()
        let payloads = try messages.map { try compress($0, with: compressor) }
        for cut in 0...payloads[1].count {
            let decompressor = PerMessageDeflateDecompressor()
            #expect(try decompress([payloads[0]], with: decompressor) == messages[0])
            #expect(try decompress([Array(payloads[1][..<cut]), Array(payloads[1][cut...])], with: decompressor) == messages[1], "cut at \(cut)")
            #expect(try decompress([payloads[2]], with: decompressor) == messages[2])
        }
    }

    @Test func messageFedOneByteAtATimeDecompressesTheSame() throws {
        var generator = DeflateTestGenerator(state: 14)
        let message = textLikeMessage(count: 2000, using: &generator)
        let compressed = try compress(message, with: PerMessageDeflateCompressor())
        #expect(try decompress(compressed.map { [$0] }, with: PerMessageDeflateDecompressor()) == message)
    }

    @Test(arguments: [0, 1, 6, 9])
    func everyCompressionLevelRoundTrips(level: Int) throws {
        var generator = DeflateTestGenerator(state: 15)
        let compressor = PerMessageDeflateCompressor(settings: .init(compressionLevel: level, memoryLevel: 1))
        let decompressor = PerMessageDeflateDecompressor()
        for _ in 0..<5 {
            let message = textLikeMessage(count: 10_000, using: &generator)
            #expect(try decompress([compress(message, with: compressor)], with: decompressor) == message)
        }
    }

    @Test func compressAppendsToTheGivenBufferForReuseInATightLoop() throws {
        let compressor = PerMessageDeflateCompressor(settings: .init(noContextTakeover: true))
        var output = buffer([0xAA])
        try compressor.compress(buffer("Hello"), appendingTo: &output)
        #expect(bytes(output).first == 0xAA)
        let once = Array(bytes(output).dropFirst())
        output.clear()
        try compressor.compress(buffer("Hello"), appendingTo: &output)
        #expect(bytes(output) == once)
    }

    @Test func incompressibleLargeMessageGrowsTheOutputAndRoundTrips() throws {
        var generator = DeflateTestGenerator(state: 16)
        let message = randomBytes(count: 2 << 20, using: &generator)
        let compressed = try compress(message, with: PerMessageDeflateCompressor())
        #expect(compressed.count > message.count)  // stored blocks cost a few bytes each
        #expect(try decompress([compressed], with: PerMessageDeflateDecompressor()) == message)
    }

    // MARK: Window bits 8

    /// Messages with repeats 300 bytes apart (usable with a 9-bit window, not with an 8-bit one)
    /// and 200 bytes apart (usable with both).
    private static func messagesWithRepeatsAt300And200Bytes() -> [[UInt8]] {
        var generator = DeflateTestGenerator(state: 17)
        return (0..<10).map { _ in
            let far = randomBytes(count: 300, using: &generator)
            let near = randomBytes(count: 200, using: &generator)
            return Array(repeating: far, count: 4).flatMap { $0 } + Array(repeating: near, count: 4).flatMap { $0 }
        }
    }

    @Test func eightBitCompressorOutputPassesAStrict8BitInflater() throws {
        let messages = Self.messagesWithRepeatsAt300And200Bytes()
        for noContextTakeover in [false, true] {
            let compressor = PerMessageDeflateCompressor(settings: .init(windowBits: 8, noContextTakeover: noContextTakeover))
            let strict = StrictInflater(windowBits: 8)
            for message in messages {
                let compressed = try compress(message, with: compressor)
                #expect(compressed.count < message.count * 3 / 4)  // the 200-byte repeats were used
                // Without context takeover the stream never refers to earlier messages, so one
                // continuous inflater checks both modes.
                #expect(strict.inflateMessage(compressed) == message)
            }
        }
    }

    @Test func strictInflaterRejectsDistancesBeyondItsWindow() throws {
        // The control for the test above: 15-bit output refers 300 bytes back, which a strict
        // 8-bit inflater refuses and a 9-bit one accepts.
        let message = Self.messagesWithRepeatsAt300And200Bytes()[0]
        let compressed = try compress(message, with: PerMessageDeflateCompressor(settings: .init(windowBits: 15, noContextTakeover: true)))
        #expect(StrictInflater(windowBits: 8).inflateMessage(compressed) == nil)
        #expect(StrictInflater(windowBits: 9).inflateMessage(compressed) == message)
    }

    @Test func eightBitDecompressorInflatesWhatAnEightBitPeerSends() throws {
        let compressor = PerMessageDeflateCompressor(settings: .init(windowBits: 8))
        let decompressor = PerMessageDeflateDecompressor(settings: .init(windowBits: 8))
        var generator = DeflateTestGenerator(state: 19)
        for message in Self.messagesWithRepeatsAt300And200Bytes() {
            let pieces = fragments(of: try compress(message, with: compressor), cuts: 3, using: &generator)
            #expect(try decompress(pieces, with: decompressor) == message)
        }
    }

    @Test func zlibRefusesARaw8BitDeflateWindow() {
        // Why the compressor maps 8 to 9: documents the zlib behaviour the design rests on.
        var stream = z_stream()
        let status = deflateInit2_(&stream, 6, Z_DEFLATED, -8, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        if status == Z_OK { deflateEnd(&stream) }
        #expect(status == Z_STREAM_ERROR)
    }

    @Test func eightBitNegotiationWorksEndToEnd() throws {
        let parameters = PerMessageDeflateParameters(serverMaxWindowBits: 8, clientMaxWindowBits: 8)
        let server = parameters.makeCompression(role: .server)
        let client = parameters.makeCompression(role: .client)
        for message in Self.messagesWithRepeatsAt300And200Bytes() {
            let toClient = try server.compressor.compress(buffer(message), allocator: allocator)
            var received = allocator.buffer(capacity: 0)
            try client.decompressor.decompress(toClient, isFinal: true, maxMessageSize: 1 << 20, into: &received)
            #expect(bytes(received) == message)
            let toServer = try client.compressor.compress(buffer(message), allocator: allocator)
            received.clear()
            try server.decompressor.decompress(toServer, isFinal: true, maxMessageSize: 1 << 20, into: &received)
            #expect(bytes(received) == message)
        }
    }

    // MARK: Limits and corrupt input

    @Test func zipBombStopsAtTheMessageLimitWithBoundedOutput() throws {
        let tenMiBOfZeros = ByteBuffer(repeating: 0, count: 10 << 20)
        let compressed = try PerMessageDeflateCompressor(settings: .init(compressionLevel: 1)).compress(tenMiBOfZeros, allocator: allocator)
        #expect(compressed.readableBytes < 100_000)  // over 100:1
        let decompressor = PerMessageDeflateDecompressor()
        var output = allocator.buffer(capacity: 0)
        let limit = 1 << 20
        let clock = ContinuousClock()
        var error: WebSocketCompressionError?
        let elapsed = clock.measure {
            error = errorOf { try decompressor.decompress(compressed, isFinal: true, maxMessageSize: limit, into: &output) }
        }
        #expect(error == .messageTooBig)
        // Inflating 1 MiB takes about a millisecond; a generous bound that still catches
        // inflating all 10 MiB many times over.
        #expect(elapsed < .seconds(1))
        #expect(output.readableBytes <= limit + 1)
        #expect(output.capacity <= 2 * limit + 4096)
    }

    @Test func zipBombSplitIntoFramesFailsOnTheFrameThatCrossesTheLimit() throws {
        let compressed = try compress([UInt8](repeating: 0, count: 10 << 20), with: PerMessageDeflateCompressor())
        let decompressor = PerMessageDeflateDecompressor()
        var output = allocator.buffer(capacity: 0)
        let chunk = (compressed.count + 9) / 10
        var failedAt: Int?
        for (index, start) in stride(from: 0, to: compressed.count, by: chunk).enumerated() {
            let piece = buffer(Array(compressed[start..<min(start + chunk, compressed.count)]))
            let isFinal = start + chunk >= compressed.count
            if errorOf({ try decompressor.decompress(piece, isFinal: isFinal, maxMessageSize: 1 << 20, into: &output) }) == .messageTooBig {
                failedAt = index
                break
            }
        }
        let index = try #require(failedAt)
        #expect(index <= 1)
        #expect(output.readableBytes <= (1 << 20) + 1)
    }

    @Test func messageOfExactlyTheLimitIsAcceptedAndOneByteMoreIsTooBig() throws {
        let limit = 100_000
        let atLimit = try compress([UInt8](repeating: 0x61, count: limit), with: PerMessageDeflateCompressor(settings: .init(noContextTakeover: true)))
        #expect(try decompress([atLimit], with: PerMessageDeflateDecompressor(), maxMessageSize: limit).count == limit)
        let overLimit = try compress([UInt8](repeating: 0x61, count: limit + 1), with: PerMessageDeflateCompressor())
        #expect(errorOf { _ = try decompress([overLimit], with: PerMessageDeflateDecompressor(), maxMessageSize: limit) } == .messageTooBig)
    }

    @Test func unlimitedMessageSizeDoesNotOverflow() throws {
        #expect(try decompress([[0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]], with: PerMessageDeflateDecompressor(), maxMessageSize: .max) == Array("Hello".utf8))
    }

    @Test func limitAppliesPerMessageNotPerConnection() throws {
        let compressor = PerMessageDeflateCompressor()
        let decompressor = PerMessageDeflateDecompressor()
        for _ in 0..<4 {
            let message = [UInt8](repeating: 0x62, count: 600_000)
            #expect(try decompress([compress(message, with: compressor)], with: decompressor, maxMessageSize: 1 << 20) == message)
        }
    }

    @Test(arguments: [
        [0xFF, 0xFF, 0xFF],              // BTYPE 11 is reserved
        [0xF2, 0x00, 0x11, 0x00, 0x00],  // refers back five bytes into an empty window
        [0x02, 0x00, 0x00],              // after a valid empty block, more of the same with a broken stored length
        [0x00, 0x05, 0x00, 0x00, 0x00],  // stored block whose NLEN is not the complement of LEN
    ] as [[UInt8]])
    func corruptPayloadIsInvalidData(payload: [UInt8]) {
        #expect(errorOf { _ = try decompress([payload], with: PerMessageDeflateDecompressor()) } == .invalidData)
    }

    @Test func messageEndingInsideADeflateBlockIsInvalidData() {
        // A stored block announcing 10 bytes with only 3 present: the tail completes nothing, so
        // accepting it would deliver a prefix and corrupt the next message's window.
        let payload: [UInt8] = [0x00, 0x0A, 0x00, 0xF5, 0xFF, 0x41, 0x42, 0x43]
        #expect(errorOf { _ = try decompress([payload], with: PerMessageDeflateDecompressor()) } == .invalidData)
    }

    @Test func decompressorIsUsableAgainAfterAFailedMessage() throws {
        let decompressor = PerMessageDeflateDecompressor()
        #expect(errorOf { _ = try decompress([[0xFF, 0xFF]], with: decompressor) } == .invalidData)
        #expect(try decompress([[0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]], with: decompressor) == Array("Hello".utf8))
    }

    @Test func decompressionAppendsAfterExistingOutput() throws {
        var output = buffer("prefix:")
        try PerMessageDeflateDecompressor().decompress(buffer([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]), isFinal: true, maxMessageSize: 5, into: &output)
        #expect(output.readableBytesView.elementsEqual("prefix:Hello".utf8))
    }
}
