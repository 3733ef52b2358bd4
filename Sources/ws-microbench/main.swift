// ws-microbench: throughput of the WebSocket protocol core, without sockets. Not a test: it prints
// numbers for the closing note of issue 2. Every measurement is bounded to well under a second.
//
//   swift run -c release ws-microbench

import NIOCore
import WebSocket

enum Microbench {
    static let clock = ContinuousClock()

    static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }

    /// `value` with `digits` decimals (no Foundation here).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        guard digits > 0 else { return "\(scaled)" }
        let fraction = String(scaled % Int(scale))
        return "\(scaled / Int(scale)).\(String(repeating: "0", count: digits - fraction.count))\(fraction)"
    }

    /// A stream of `count` masked client frames of `payloadSize` bytes, as a server reads them.
    static func clientFrameStream(count: Int, payloadSize: Int, opcode: WebSocketOpcode) -> ByteBuffer {
        let payload = ByteBuffer(repeating: UInt8(ascii: "a"), count: payloadSize)
        var stream = ByteBufferAllocator().buffer(capacity: count * (payloadSize + 14))
        let key = WebSocketMaskingKey(0x37, 0xFA, 0x21, 0x3D)
        for _ in 0..<count {
            WebSocketFrameEncoder.encode(opcode: opcode, payload: payload, maskingKey: key, into: &stream)
        }
        return stream
    }

    /// Cuts `stream` into reads of `readSize` bytes (frames straddle reads, as they do on a socket).
    static func reads(of stream: ByteBuffer, readSize: Int) -> [ByteBuffer] {
        var stream = stream
        var result: [ByteBuffer] = []
        while stream.readableBytes > 0 {
            result.append(stream.readSlice(length: min(readSize, stream.readableBytes))!)
        }
        return result
    }

    /// Frames parsed per second by the bare parser (header, unmasking into a fresh buffer).
    static func parseFrames(payloadSize: Int, totalFrames: Int) {
        let framesPerStream = max(1, (4 << 20) / (payloadSize + 6))
        let chunks = reads(of: clientFrameStream(count: framesPerStream, payloadSize: payloadSize, opcode: .binary), readSize: 65536)
        var parser = WebSocketFrameParser()
        var frames = 0
        var bytes = 0
        let start = clock.now
        while frames < totalFrames {
            var pending = ByteBuffer()
            for chunk in chunks {
                if pending.readableBytes == 0 { pending = chunk } else { pending.writeImmutableBuffer(chunk) }
                while let element = try! parser.next(from: &pending) {
                    switch element {
                    case .frame(_, let payload):
                        frames += 1
                        bytes += payload.readableBytes
                    case .frameHead:
                        break
                    case .payloadPart(let part, let isFrameEnd):
                        bytes += part.readableBytes
                        if isFrameEnd { frames += 1 }
                    }
                }
            }
        }
        let elapsed = seconds(clock.now - start)
        print(
            "parser: \(frames) masked \(payloadSize) B frames in \(fixed(elapsed, 3)) s = "
                + "\(fixed(Double(frames) / elapsed / 1e6, 2)) M frames/s (\(fixed(Double(bytes) / elapsed / 1e6, 0)) MB/s payload)"
        )
    }

    /// Messages per second through a server connection: parse, unmask, UTF-8 validate, emit events.
    static func connectionMessages(payloadSize: Int, totalFrames: Int) {
        let framesPerStream = max(1, (4 << 20) / (payloadSize + 6))
        let chunks = reads(of: clientFrameStream(count: framesPerStream, payloadSize: payloadSize, opcode: .text), readSize: 65536)
        var connection = WebSocketConnection(role: .server)
        var messages = 0
        var bytes = 0
        let start = clock.now
        while messages < totalFrames {
            for chunk in chunks {
                connection.receive(chunk)
                while let event = connection.nextEvent() {
                    if case .message(let message) = event {
                        messages += 1
                        bytes += message.data.readableBytes
                    }
                }
            }
        }
        let elapsed = seconds(clock.now - start)
        print(
            "connection: \(messages) masked \(payloadSize) B text messages in \(fixed(elapsed, 3)) s = "
                + "\(fixed(Double(messages) / elapsed / 1e6, 2)) M messages/s (\(fixed(Double(bytes) / elapsed / 1e6, 0)) MB/s)"
        )
    }

    /// Frames encoded per second by a server connection (unmasked, into one coalesced output buffer).
    static func encodeMessages(payloadSize: Int, totalFrames: Int) {
        var connection = WebSocketConnection(role: .server)
        let message = WebSocketMessage.text(String(repeating: "a", count: payloadSize))
        var bytes = 0
        let start = clock.now
        for index in 0..<totalFrames {
            try! connection.send(message)
            if index % 256 == 255, let output = connection.takeOutput() { bytes += output.readableBytes }
        }
        bytes += connection.takeOutput()?.readableBytes ?? 0
        let elapsed = seconds(clock.now - start)
        print(
            "encoder: \(totalFrames) \(payloadSize) B messages in \(fixed(elapsed, 3)) s = "
                + "\(fixed(Double(totalFrames) / elapsed / 1e6, 2)) M frames/s (\(fixed(Double(bytes) / elapsed / 1e6, 0)) MB/s)"
        )
    }

    /// In-place unmasking throughput over a large payload.
    static func unmask(megabytes: Int, rounds: Int) {
        var buffer = ByteBuffer(repeating: 0x5A, count: megabytes << 20)
        let key = WebSocketMaskingKey(0x12, 0x34, 0x56, 0x78)
        let start = clock.now
        for round in 0..<rounds { key.apply(to: &buffer, payloadOffset: round) }
        let elapsed = seconds(clock.now - start)
        let checksum = buffer.getInteger(at: 0, as: UInt8.self)!
        print(
            "unmask: \(rounds) x \(megabytes) MiB in place in \(fixed(elapsed, 3)) s = "
                + "\(fixed(Double(rounds * (megabytes << 20)) / elapsed / 1e9, 2)) GB/s (checksum \(checksum))"
        )
    }

    /// permessage-deflate throughput on JSON-like messages: compress every message, then inflate
    /// them all back (checked against the input size), through the real zlib-backed extension.
    static func deflate(messageSize: Int, megabytes: Int, noContextTakeover: Bool) {
        var message = ByteBufferAllocator().buffer(capacity: messageSize)
        var index = 0
        while message.readableBytes < messageSize {
            message.writeString(#"{"type":"event","seq":\#(index),"data":{"method":"session.messageUpdated","text":"line \#(index * 7919 % 1000)"}},"#)
            index += 1
        }
        message.moveWriterIndex(to: messageSize)
        let count = (megabytes << 20) / messageSize
        let compressor = PerMessageDeflateCompressor(
            settings: .init(windowBits: 15, noContextTakeover: noContextTakeover)
        )
        let decompressor = PerMessageDeflateDecompressor(
            settings: .init(windowBits: 15, noContextTakeover: noContextTakeover)
        )
        let allocator = ByteBufferAllocator()
        var compressed: [ByteBuffer] = []
        compressed.reserveCapacity(count)
        var start = clock.now
        for _ in 0..<count {
            guard let output = try? compressor.compress(message, allocator: allocator) else { return }
            compressed.append(output)
        }
        let compressSeconds = seconds(clock.now - start)
        let compressedBytes = compressed.reduce(0) { $0 + $1.readableBytes }
        var inflated = 0
        start = clock.now
        for frame in compressed {
            var output = allocator.buffer(capacity: messageSize)
            guard (try? decompressor.decompress(frame, isFinal: true, maxMessageSize: 1 << 20, into: &output)) != nil else { return }
            inflated += output.readableBytes
        }
        let inflateSeconds = seconds(clock.now - start)
        let total = Double(count * messageSize)
        print(
            "deflate (\(noContextTakeover ? "no context takeover" : "context takeover"), \(count) x \(messageSize) B JSON): "
                + "compress \(fixed(total / compressSeconds / 1e6, 0)) MB/s to \(fixed(100 * Double(compressedBytes) / total, 1))%, "
                + "decompress \(fixed(Double(inflated) / inflateSeconds / 1e6, 0)) MB/s (round trip \(inflated == count * messageSize ? "exact" : "MISMATCH"))"
        )
    }

    /// UTF-8 validation throughput on ASCII (word fast path) and on two-byte text (the automaton).
    static func validateUTF8(megabytes: Int) {
        for (name, unit) in [("ASCII", "relay "), ("Greek", "κόσμε ")] {
            let unitBytes = Array(unit.utf8)
            var buffer = ByteBufferAllocator().buffer(capacity: megabytes << 20)
            while buffer.readableBytes + unitBytes.count <= megabytes << 20 { buffer.writeBytes(unitBytes) }
            let rounds = 8
            var valid = true
            let start = clock.now
            for _ in 0..<rounds { valid = valid && UTF8Validator.isValid(buffer) }
            let elapsed = seconds(clock.now - start)
            print(
                "utf8 \(name): \(rounds) x \(megabytes) MiB in \(fixed(elapsed, 3)) s = "
                    + "\(fixed(Double(rounds * buffer.readableBytes) / elapsed / 1e9, 2)) GB/s (valid: \(valid))"
            )
        }
    }
}

// An optional argument runs only the sections whose name contains it (for profiling one of them).
let only = CommandLine.arguments.dropFirst().first
func section(_ name: String, _ body: () -> Void) {
    if only.map({ name.contains($0) }) ?? true { body() }
}

print("ws-microbench (WebSocket core, no I/O)")
section("parser") {
    Microbench.parseFrames(payloadSize: 16, totalFrames: 1_000_000)
    Microbench.parseFrames(payloadSize: 256, totalFrames: 1_000_000)
}
section("connection") {
    Microbench.connectionMessages(payloadSize: 16, totalFrames: 1_000_000)
    Microbench.connectionMessages(payloadSize: 256, totalFrames: 1_000_000)
}
section("encoder") {
    Microbench.encodeMessages(payloadSize: 16, totalFrames: 1_000_000)
    Microbench.encodeMessages(payloadSize: 256, totalFrames: 1_000_000)
}
section("unmask") { Microbench.unmask(megabytes: 64, rounds: 16) }
section("utf8") { Microbench.validateUTF8(megabytes: 64) }
section("deflate") {
    Microbench.deflate(messageSize: 4096, megabytes: 16, noContextTakeover: false)
    Microbench.deflate(messageSize: 4096, megabytes: 16, noContextTakeover: true)
}
