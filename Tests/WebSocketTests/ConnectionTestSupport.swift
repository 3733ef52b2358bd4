import NIOCore
import Testing

@testable import WebSocket

// Shared helpers for the WebSocket tests: wire-frame builders, a runner that replays every input
// in every split (whole, cut at each byte boundary, one byte at a time) and checks that the events
// and output never change, and a fake compression extension.

// MARK: - Building input

/// Frames as a peer would put them on the wire. Client frames (what a server receives) are masked
/// with the RFC 6455 example key unless `masked: false`.
enum Wire {
    static let key = WebSocketMaskingKey(0x37, 0xFA, 0x21, 0x3D)

    static func frame(
        _ opcode: WebSocketOpcode,
        _ payload: [UInt8] = [],
        fin: Bool = true,
        rsv1: Bool = false,
        rsv2: Bool = false,
        rsv3: Bool = false,
        masked: Bool = true
    ) -> [UInt8] {
        var buffer = ByteBuffer()
        WebSocketFrameEncoder.encode(
            WebSocketFrame(
                fin: fin, rsv1: rsv1, rsv2: rsv2, rsv3: rsv3, opcode: opcode,
                maskingKey: masked ? key : nil, payload: ByteBuffer(bytes: payload)
            ),
            into: &buffer
        )
        return Array(buffer.readableBytesView)
    }

    static func text(_ string: String, fin: Bool = true, masked: Bool = true) -> [UInt8] {
        frame(.text, Array(string.utf8), fin: fin, masked: masked)
    }

    static func binary(_ bytes: [UInt8], fin: Bool = true, masked: Bool = true) -> [UInt8] {
        frame(.binary, bytes, fin: fin, masked: masked)
    }

    static func continuation(_ bytes: [UInt8], fin: Bool = true, masked: Bool = true) -> [UInt8] {
        frame(.continuation, bytes, fin: fin, masked: masked)
    }

    static func close(code: UInt16?, reason: [UInt8] = [], masked: Bool = true) -> [UInt8] {
        var payload: [UInt8] = []
        if let code { payload = [UInt8(code >> 8), UInt8(code & 0xFF)] + reason }
        return frame(.close, payload, masked: masked)
    }
}

extension ByteBuffer {
    init(_ string: String) {
        self.init(string: string)
    }
}

// MARK: - Decoding output

/// A frame we wrote, decoded back: compared in tests instead of raw bytes, because a client masks
/// with random keys.
struct WireFrame: Equatable, CustomStringConvertible {
    var fin = true
    var rsv1 = false
    var opcode: WebSocketOpcode
    var payload: [UInt8]
    var masked = false

    static func text(_ string: String, fin: Bool = true, masked: Bool = false) -> WireFrame {
        WireFrame(fin: fin, opcode: .text, payload: Array(string.utf8), masked: masked)
    }

    static func pong(_ payload: [UInt8], masked: Bool = false) -> WireFrame {
        WireFrame(opcode: .pong, payload: payload, masked: masked)
    }

    /// The status code of a close frame (nil: empty close payload).
    var closeCode: WebSocketCloseCode? {
        guard opcode == .close, payload.count >= 2 else { return nil }
        return WebSocketCloseCode(rawValue: UInt16(payload[0]) << 8 | UInt16(payload[1]))
    }

    var closeReason: String {
        String(decoding: payload.dropFirst(2), as: UTF8.self)
    }

    var description: String {
        "\(opcode)\(fin ? "" : " !fin")\(rsv1 ? " rsv1" : "")\(masked ? " masked" : "") \(payload.count)B"
    }
}

/// Decodes a byte stream of frames (any masking, no size limit).
func decodeFrames(_ bytes: [UInt8]) throws -> [WireFrame] {
    var parser = WebSocketFrameParser(maxFrameSize: .max)
    var input = ByteBuffer(bytes: bytes)
    var frames: [WireFrame] = []
    var pending: WireFrame?
    while let element = try parser.next(from: &input) {
        switch element {
        case .frame(let header, let payload):
            frames.append(WireFrame(header, payload: Array(payload.readableBytesView)))
        case .frameHead(let header):
            pending = WireFrame(header, payload: [])
        case .payloadPart(let part, let isFrameEnd):
            pending!.payload += Array(part.readableBytesView)
            if isFrameEnd {
                frames.append(pending!)
                pending = nil
            }
        }
    }
    #expect(input.readableBytes == 0 && pending == nil, "output ends with a partial frame")
    return frames
}

extension WireFrame {
    init(_ header: WebSocketFrameHeader, payload: [UInt8]) {
        self.init(
            fin: header.fin, rsv1: header.rsv1, opcode: header.opcode, payload: payload,
            masked: header.maskingKey != nil
        )
    }
}

// MARK: - Replaying input in every split

/// Everything observable after feeding a connection some input.
struct Transcript: Equatable {
    var events: [WebSocketEvent] = []
    var output: [WireFrame] = []
    var state: WebSocketConnectionState = .open
    var shouldCloseTransport = false
    var shouldShutdownTransportOutput = false
    var closeCode: WebSocketCloseCode?
    var failure: WebSocketFailure?
    var isAwaitingPong = false

    /// The codes of the close frames we sent, in order.
    var sentCloseCodes: [WebSocketCloseCode?] {
        output.filter { $0.opcode == .close }.map(\.closeCode)
    }

    var messages: [WebSocketMessage] {
        events.compactMap { if case .message(let message) = $0 { message } else { nil } }
    }
}

/// The ways `count` bytes are cut into chunks: whole, two pieces at every boundary, and one byte at a
/// time. Long inputs get a sample of boundaries (every one near both ends, then evenly spread).
func chunkings(of count: Int) -> [[Int]] {
    guard count > 1 else { return [[count]] }
    var result: [[Int]] = [[count]]
    let boundaries: [Int]
    if count <= 600 {
        boundaries = Array(1..<count)
    } else {
        let ends = Array(1...64) + Array((count - 64)..<count)
        boundaries = Array(Set(ends + Array(stride(from: 65, to: count - 64, by: count / 97)))).sorted()
    }
    for boundary in boundaries { result.append([boundary, count - boundary]) }
    if count <= 300_000 { result.append(Array(repeating: 1, count: count)) }
    return result
}

/// Feeds `input` to a fresh connection in every split and expects the same transcript each time.
/// `prepare` runs before any input (for example to start a close); `react` runs for each event (for
/// example to echo a message); `finish` runs after the last input (for example a keepalive deadline).
/// Returns the transcript of the whole-input run.
@discardableResult
func replay(
    _ input: [UInt8],
    role: WebSocketRole = .server,
    configuration: WebSocketConfiguration = .init(),
    compression: (() -> WebSocketNegotiatedCompression)? = nil,
    prepare: (inout WebSocketConnection) -> Void = { _ in },
    react: (inout WebSocketConnection, WebSocketEvent) -> Void = { _, _ in },
    finish: (inout WebSocketConnection) -> Void = { _ in },
    sourceLocation: SourceLocation = #_sourceLocation
) -> Transcript {
    func run(_ chunkSizes: [Int]) -> Transcript {
        var connection = WebSocketConnection(role: role, configuration: configuration, compression: compression?())
        var transcript = Transcript()
        var written: [UInt8] = []
        prepare(&connection)
        var offset = 0
        for size in chunkSizes {
            connection.receive(ByteBuffer(bytes: input[offset..<(offset + size)]))
            offset += size
            while let event = connection.nextEvent() {
                transcript.events.append(event)
                react(&connection, event)
            }
            if let output = connection.takeOutput() { written += output.readableBytesView }
        }
        finish(&connection)
        if let output = connection.takeOutput() { written += output.readableBytesView }
        transcript.output = (try? decodeFrames(written)) ?? []
        transcript.state = connection.state
        transcript.shouldCloseTransport = connection.shouldCloseTransport
        transcript.shouldShutdownTransportOutput = connection.shouldShutdownTransportOutput
        transcript.closeCode = connection.closeCode
        transcript.failure = connection.failure
        transcript.isAwaitingPong = connection.isAwaitingPong
        return transcript
    }

    let reference = run([input.count])
    for chunkSizes in chunkings(of: input.count).dropFirst() {
        let transcript = run(chunkSizes)
        if transcript != reference {
            Issue.record(
                "input split as \(chunkSizes.count <= 4 ? "\(chunkSizes)" : "\(chunkSizes.count) chunks") changed the result: \(transcript) vs \(reference)",
                sourceLocation: sourceLocation
            )
            break
        }
    }
    return reference
}

/// An echo reaction, as ws-echo does it.
func echo(_ connection: inout WebSocketConnection, _ event: WebSocketEvent) {
    if case .message(let message) = event { try? connection.send(message) }
}

// MARK: - Fake compression

/// A stand-in for permessage-deflate: run-length pairs (count, byte). It streams like the real thing
/// (a pair may straddle two frames), enforces `maxMessageSize` before writing, rejects a zero count as
/// corrupt data, and records each call so tests can check what the connection handed it.
final class RunLengthDecompressor: WebSocketMessageDecompressor {
    var calls: [(bytes: Int, isFinal: Bool)] = []
    var failure: WebSocketCompressionError?
    private var pendingCount: UInt8?
    private var messageSize = 0

    func decompress(
        _ fragment: ByteBuffer,
        isFinal: Bool,
        maxMessageSize: Int,
        into output: inout ByteBuffer
    ) throws(WebSocketCompressionError) {
        calls.append((fragment.readableBytes, isFinal))
        if let failure { throw failure }
        for byte in fragment.readableBytesView {
            if let count = pendingCount {
                messageSize += Int(count)
                if messageSize > maxMessageSize { throw .messageTooBig }
                output.writeRepeatingByte(byte, count: Int(count))
                pendingCount = nil
            } else {
                if byte == 0 { throw .invalidData }
                pendingCount = byte
            }
        }
        if isFinal {
            if pendingCount != nil { throw .invalidData }
            messageSize = 0
        }
    }
}

final class RunLengthCompressor: WebSocketMessageCompressor {
    var failure: WebSocketCompressionError?
    var compressedMessages = 0

    func compress(_ message: ByteBuffer, allocator: ByteBufferAllocator) throws(WebSocketCompressionError) -> ByteBuffer {
        if let failure { throw failure }
        compressedMessages += 1
        return ByteBuffer(bytes: runLengthEncoded(Array(message.readableBytesView)))
    }
}

func runLengthEncoded(_ bytes: [UInt8]) -> [UInt8] {
    var result: [UInt8] = []
    var index = 0
    while index < bytes.count {
        var run = 1
        while index + run < bytes.count, bytes[index + run] == bytes[index], run < 255 { run += 1 }
        result += [UInt8(run), bytes[index]]
        index += run
    }
    return result
}

func runLengthCompression() -> WebSocketNegotiatedCompression {
    WebSocketNegotiatedCompression(compressor: RunLengthCompressor(), decompressor: RunLengthDecompressor())
}
