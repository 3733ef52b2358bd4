import Foundation
import NIOCore
import NIOPosix

/// One response as it came over the wire.
struct RawResponse {
    var status: Int
    /// Header names lowercased; later duplicates win.
    var headers: [String: String]
    var body: String
    /// Everything up to and including the blank line.
    var head: String
}

/// A raw TCP client for HTTP tests: writes exactly the bytes given, parses responses itself, so
/// the tests see what any client would (framing, Connection headers, early closes).
final class TestHTTPConnection {
    private enum Event {
        case bytes([UInt8])
        case closed
    }

    private final class Forwarder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<Event>.Continuation

        init(_ continuation: AsyncStream<Event>.Continuation) {
            self.continuation = continuation
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(.bytes(Array(unwrapInboundIn(data).readableBytesView)))
        }

        func channelInactive(context: ChannelHandlerContext) {
            continuation.yield(.closed)
            continuation.finish()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    let channel: any Channel
    private var events: AsyncStream<Event>.AsyncIterator
    private var pending: [UInt8] = []
    private(set) var isClosed = false

    static func connect(host: String = "127.0.0.1", port: Int, from localAddress: String? = nil) async throws -> TestHTTPConnection {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Forwarder(continuation))
                }
            }
        if let localAddress {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: localAddress, port: 0))
        }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        return TestHTTPConnection(channel: channel, events: stream.makeAsyncIterator())
    }

    private init(channel: any Channel, events: AsyncStream<Event>.AsyncIterator) {
        self.channel = channel
        self.events = events
    }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// `POST /rpc` with the given headers (Content-Length added) and body.
    func postRPC(_ body: String, headers: [String]) async throws {
        let lines = ["POST /rpc HTTP/1.1", "Host: test", "Content-Length: \(body.utf8.count)"] + headers
        try await send(lines.joined(separator: "\r\n") + "\r\n\r\n" + body)
    }

    /// Reads until one complete response (Content-Length framed) is available. A response to
    /// HEAD has no body whatever its Content-Length says: pass `isHeadResponse`.
    func readResponse(isHeadResponse: Bool = false) async throws -> RawResponse {
        while true {
            if let response = try takeResponse(bodyless: isHeadResponse) { return response }
            guard try await receiveMore() else {
                throw TestHTTPError("connection closed before a complete response; have \(String(decoding: pending, as: UTF8.self).debugDescription)")
            }
        }
    }

    /// Reads until the server closes the connection; returns whatever came.
    func readUntilClosed() async -> String {
        while (try? await receiveMore()) == true {}
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    func close() async {
        try? await channel.close()
    }

    private func receiveMore() async throws -> Bool {
        guard !isClosed, let event = await events.next() else {
            isClosed = true
            return false
        }
        switch event {
        case let .bytes(bytes):
            pending.append(contentsOf: bytes)
            return true
        case .closed:
            isClosed = true
            return false
        }
    }

    private func takeResponse(bodyless: Bool) throws -> RawResponse? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = pending.firstRange(of: separator)?.upperBound else { return nil }
        let head = String(decoding: pending[..<headEnd], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestHTTPError("bad status line in \(head)") }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw TestHTTPError("bad header \(line)") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = (bodyless || status == 204 || status < 200) ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        guard pending.count >= headEnd + length else { return nil }
        let body = String(decoding: pending[headEnd..<headEnd + length], as: UTF8.self)
        pending.removeFirst(headEnd + length)
        return RawResponse(status: status, headers: headers, body: body, head: head)
    }
}

struct TestHTTPError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
