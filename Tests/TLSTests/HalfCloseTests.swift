import NIOCore
import NIOPosix
import Testing
import TLS

/// `close(mode: .output)` through `TLSHandler`: close_notify goes out before the socket's write
/// side is shut down, and the handler keeps reading, so the peer can still answer (what a
/// WebSocket server needs after its close frame: the client's close reply).
@Suite(.timeLimit(.minutes(1))) struct HalfCloseTests {
    @Test func halfClosedServerSendsCloseNotifyAndStillReadsThePeersAnswer() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.generate()
        let provider = try TLSContextProvider(configuration: TLSConfiguration(certificateChainFile: certificates.certificatePath, privateKeyFile: certificates.keyPath))
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let serverSide = HalfClosingServer(loop: loop)
        let server = try await ServerBootstrap(group: loop)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(provider: provider))
                    try channel.pipeline.syncOperations.addHandler(serverSide)
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)

        let client = try TLSContext(client: TLSClientConfiguration(trustRootsFile: certificates.certificatePath))
        let clientSide = AnsweringClient(loop: loop)
        // The client sees a bare end of stream as an event (and stays open): only close_notify
        // makes its TLS handler close the channel.
        let channel = try await TLSTestClient.connect(port: port, context: client, allowRemoteHalfClosure: true, group: loop, then: clientSide)
        // Bounded: a failure must not hang the run (the suite's time limit cannot stop a wait on
        // a future). Completing an already completed promise does nothing.
        let watchdog = loop.scheduleTask(in: .seconds(10)) {
            channel.close(promise: nil)
            serverSide.answer.fail(TestFailure("no answer within 10 s"))
            serverSide.halfClosed.succeed(false)
            serverSide.closed.fail(TestFailure("server side still open after 10 s"))
        }
        defer { watchdog.cancel() }
        try await channel.writeAndFlush(ByteBuffer(string: "hello"))

        // The client read the last words, answered, and then ended too (our close_notify reached
        // it: the TLS session ended cleanly, no error on either side).
        try await channel.closeFuture.get()
        #expect(String(buffer: clientSide.received) == "last words")
        #expect(clientSide.errors.isEmpty, "\(clientSide.errors)")
        #expect(!clientSide.sawEndOfStreamFirst, "the stream ended without close_notify")
        // The server read the answer that came after its half-close.
        #expect(try await serverSide.answer.futureResult.get() == "answer")
        #expect(try await serverSide.halfClosed.futureResult.get() == true)
        try await serverSide.closed.futureResult.get()
        #expect(serverSide.errors.isEmpty, "\(serverSide.errors)")
    }
}

/// Says its last words to the first message, half-closes, and collects what comes after.
private final class HalfClosingServer: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let answer: EventLoopPromise<String>
    let halfClosed: EventLoopPromise<Bool>
    let closed: EventLoopPromise<Void>
    var errors: [any Error] = []
    private var saidLastWords = false
    private var afterHalfClose = ByteBuffer()

    init(loop: EventLoop) {
        answer = loop.makePromise()
        halfClosed = loop.makePromise()
        closed = loop.makePromise()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard saidLastWords else {
            saidLastWords = true
            context.write(wrapOutboundOut(ByteBuffer(string: "last words")), promise: nil)
            let shutDown = context.eventLoop.makePromise(of: Void.self)
            context.close(mode: .output, promise: shutDown)
            shutDown.futureResult.whenComplete { [halfClosed] result in
                if case .success = result { halfClosed.succeed(true) } else { halfClosed.succeed(false) }
            }
            return
        }
        afterHalfClose.writeBuffer(&bytes)
        if afterHalfClose.readableBytes >= 6 { answer.succeed(String(buffer: afterHalfClose)) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        errors.append(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        answer.fail(TestFailure("closed after \(afterHalfClose.readableBytes) bytes"))
        halfClosed.succeed(false)
        closed.succeed()
    }
}

/// Answers the server's first message at once, while the server's side is already half-closed.
private final class AnsweringClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var received = ByteBuffer()
    var errors: [any Error] = []
    var sawEndOfStreamFirst = false
    private var answered = false

    init(loop: EventLoop) {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        guard !answered, received.readableBytes >= "last words".utf8.count else { return }
        answered = true
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "answer")), promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent { sawEndOfStreamFirst = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        errors.append(error)
    }
}
