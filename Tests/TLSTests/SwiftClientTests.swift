import NIOCore
import NIOPosix
import Testing
import TLS

/// Our handler on both ends (client context against server context), over loopback: queued
/// writes before the handshake, large and many small writes, verification, and the timeouts.
@Suite(.timeLimit(.minutes(1))) struct SwiftClientTests {
    @Test func writesQueuedBeforeTheHandshakeAndManySmallWritesArriveInOrder() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.generate()
        let provider = try TLSContextProvider(configuration: TLSConfiguration(certificateChainFile: certificates.certificatePath, privateKeyFile: certificates.keyPath))
        let server = try await TLSTestServers.byteEcho(provider: provider)
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)

        var expected = ByteBuffer()
        let big = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        expected.writeBytes(big)
        for i in 0..<3000 { expected.writeString("m\(i);") }

        let client = try TLSContext(client: TLSClientConfiguration(trustRootsFile: certificates.certificatePath, applicationProtocols: ["http/1.1"]))
        let collector = Collector(expecting: expected.readableBytes)
        let limits = TLSHandlerLimits(maxBytesBeforeHandshake: 2 << 20)
        let channel = try await TLSTestClient.connect(port: port, context: client, limits: limits, then: collector)
        defer { channel.close(promise: nil) }

        // Written straight after connect, usually before the server's first flight is back: the
        // queue holds them (up to its 2 MiB limit here) and encrypts them in order afterwards.
        try await channel.eventLoop.submit {
            channel.write(ByteBuffer(bytes: big), promise: nil)
            for i in 0..<3000 { channel.write(ByteBuffer(string: "m\(i);"), promise: nil) }
            channel.flush()
        }.get()
        let received = try await collector.done.futureResult.get()
        #expect(received == expected)
        #expect(try await collector.events.futureResult.get() == .handshakeCompleted(applicationProtocol: "http/1.1"))
    }

    @Test func clientRefusesAServerCertificateItDoesNotTrust() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.generate()
        let provider = try TLSContextProvider(configuration: TLSConfiguration(certificateChainFile: certificates.certificatePath, privateKeyFile: certificates.keyPath))
        let server = try await TLSTestServers.byteEcho(provider: provider)
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)

        let client = try TLSContext(client: TLSClientConfiguration())  // system roots: self-signed is unknown
        let collector = Collector(expecting: 1)
        let channel = try await TLSTestClient.connect(port: port, context: client, then: collector)
        try await channel.closeFuture.get()
        let error = try await collector.error.futureResult.get()
        guard case .handshakeFailed(let reason) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(reason.contains("certificate verify failed"), "\(reason)")
    }

    @Test func writesBeyondThePreHandshakeLimitFail() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.generate()
        let provider = try TLSContextProvider(configuration: TLSConfiguration(certificateChainFile: certificates.certificatePath, privateKeyFile: certificates.keyPath))
        let server = try await TLSTestServers.byteEcho(provider: provider)
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        let client = try TLSContext(client: TLSClientConfiguration(trustRootsFile: certificates.certificatePath))
        let limits = TLSHandlerLimits(maxBytesBeforeHandshake: 1000)
        // No channelActive yet inside the initializer: both writes are queued, the second overflows.
        let overflow = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: client, serverHostname: "localhost", limits: limits))
                    channel.pipeline.syncOperations.write(NIOAny(ByteBuffer(repeating: 1, count: 1000)), promise: nil)
                    channel.pipeline.syncOperations.write(NIOAny(ByteBuffer(repeating: 2, count: 1)), promise: overflow)
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        defer { channel.close(promise: nil) }
        await #expect(throws: TLSError.tooMuchDataBeforeHandshake(limit: 1000)) { try await overflow.futureResult.get() }
    }

    @Test func silentClientIsDisconnectedWhenTheHandshakeTimesOut() async throws {
        let limits = TLSHandlerLimits(handshakeTimeout: .milliseconds(200))
        try await withTLSEchoServer(limits: limits) { port, _, _ in
            let started = NIODeadline.now()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port)
                .get()
            try await channel.closeFuture.get()
            let waited = NIODeadline.now() - started
            #expect(waited >= .milliseconds(150) && waited < .seconds(5), "\(waited)")
        }
    }

    @Test func plaintextHTTPOnTheTLSPortFailsTheHandshakeAndCloses() async throws {
        try await withTLSEchoServer { port, _, _ in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port)
                .get()
            try await channel.writeAndFlush(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
            try await channel.closeFuture.get()
        }
    }
}

/// Collects plaintext until `expecting` bytes arrived; records the TLS event and any error.
final class Collector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    let expecting: Int
    var received = ByteBuffer()
    let done: EventLoopPromise<ByteBuffer>
    let events: EventLoopPromise<TLSEvent>
    let error: EventLoopPromise<TLSError>

    init(expecting: Int) {
        self.expecting = expecting
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        done = loop.makePromise()
        events = loop.makePromise()
        error = loop.makePromise()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        if received.readableBytes >= expecting { done.succeed(received) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSEvent { events.succeed(event) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError { self.error.succeed(error) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(TestFailure("closed after \(received.readableBytes) bytes"))
        events.fail(TestFailure("closed"))
        error.fail(TestFailure("closed without TLSError"))
    }
}
