// Module TLS: TLS 1.2/1.3 for SwiftNIO channels with the system OpenSSL (libssl), plus the
// certificate context that a SIGHUP reload replaces. It owns the record layer only: it turns
// ciphertext from the socket into plaintext for the handlers after it and back. It must not know
// HTTP or WebSocket, must not do socket I/O itself (memory BIOs only: NIO owns the socket), and
// holds no state shared between connections except the immutable `TLSContext`.

import COpenSSL
import NIOCore

/// One TLS connection as a channel handler, placed first in the pipeline: ciphertext below it,
/// plaintext above it. OpenSSL never sees the socket: inbound bytes are fed into a memory BIO,
/// `SSL_do_handshake` / `SSL_read` / `SSL_write` run against it, and whatever OpenSSL wants to
/// send is taken from the outbound memory BIO and written to the channel at once, so ciphertext
/// waits in NIO's outbound buffer where channel writability accounts for it.
///
/// - Writes before the handshake finishes are queued (up to `TLSHandlerLimits.maxBytesBeforeHandshake`)
///   and encrypted in order once it does; a flush requested meanwhile is replayed then.
/// - Each write's promise completes when the last record holding its bytes is written.
/// - The peer's close_notify is answered with ours, then the channel closes. Closing the channel
///   sends close_notify and closes once it is written (or after `shutdownTimeout`).
/// - Closing the output (`close(mode: .output)`, a half-close) sends close_notify and then shuts
///   down the socket's write side once it is written; reading goes on until the peer's
///   close_notify or the end of the stream (TLS 1.3 allows this, RFC 8446 section 6.1; a TLS 1.2
///   peer answers with its own close_notify and closes).
/// - A failed handshake or a bad record fires `TLSError` down the pipeline and closes the channel.
///
/// All methods run on the channel's event loop, like every NIO handler.
public final class TLSHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum State {
        case idle, handshaking, established
        /// Our close_notify went out by a half-close; the peer may still send.
        case outputClosed
        case shuttingDown, closed
    }

    private struct PendingWrite {
        var data: ByteBuffer
        var promise: EventLoopPromise<Void>?
    }

    /// Plaintext is encrypted this much at a time, so a large message's ciphertext reaches the
    /// channel in pieces instead of sitting whole in the memory BIO next to its plaintext.
    private static let writeChunk = 256 * 1024
    /// Room offered to each `SSL_read`: one full TLS record.
    private static let readChunk = 16 * 1024

    /// Kept for the connection's lifetime: the `SSL` refers to it (and to its ALPN list).
    private let tlsContext: TLSContext
    private let serverHostname: String?
    private let limits: TLSHandlerLimits
    private var connection: OpaquePointer?
    private var readBIO: OpaquePointer?
    private var writeBIO: OpaquePointer?
    private var state = State.idle
    private var pendingWrites = CircularBuffer<PendingWrite>()
    private var pendingBytes = 0
    private var flushRequested = false
    private var handshakeTimeout: Scheduled<Void>?
    /// Completes when the close_notify of a half-close is written.
    private var closeNotifyWritten: EventLoopFuture<Void>?

    /// The ALPN protocol agreed in the handshake (nil before it completes or when none was).
    public private(set) var applicationProtocol: String?

    /// A handler for one connection. With a client context, `serverHostname` is sent as SNI
    /// (unless it is an IP address) and checked against the server's certificate.
    public init(context: TLSContext, serverHostname: String? = nil, limits: TLSHandlerLimits = TLSHandlerLimits()) {
        self.tlsContext = context
        self.serverHostname = serverHostname
        self.limits = limits
    }

    /// A server handler using the provider's current context (call per accepted connection).
    public convenience init(provider: TLSContextProvider, limits: TLSHandlerLimits = TLSHandlerLimits()) {
        self.init(context: provider.context, limits: limits)
    }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        guard let ssl = tlsContext.makeConnection() else {
            fail(context: context, error: .contextSetupFailed(reason: OpenSSLErrorQueue.drain(fallback: "SSL_new failed")))
            return
        }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            fail(context: context, error: .contextSetupFailed(reason: OpenSSLErrorQueue.drain(fallback: "BIO_new failed")))
            return
        }
        SSL_set_bio(ssl, input, output)
        switch tlsContext.side {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            if let host = serverHostname {
                let isAddress = Self.isIPAddress(host)
                if !isAddress { _ = share_relay_SSL_set_tlsext_host_name(ssl, host) }
                if tlsContext.verifiesPeer {
                    if isAddress {
                        _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
                    } else {
                        _ = SSL_set1_host(ssl, host)
                    }
                }
            }
        }
        connection = ssl
        readBIO = input
        writeBIO = output
        if context.channel.isActive { start(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        state = .closed
        handshakeTimeout?.cancel()
        handshakeTimeout = nil
        failPendingWrites(TLSError.closedBeforeHandshake)
        if let connection { SSL_free(connection) }  // frees both BIOs too
        connection = nil
        readBIO = nil
        writeBIO = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        handshakeTimeout?.cancel()
        handshakeTimeout = nil
        failPendingWrites(TLSError.closedBeforeHandshake)
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard case .idle = state, connection != nil else { return }
        state = .handshaking
        handshakeTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: limits.handshakeTimeout) {
            guard case .handshaking = self.state else { return }
            self.fail(context: context, error: .handshakeTimedOut)
        }
        if tlsContext.side == .client { advanceHandshake(context: context) }
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = unwrapInboundIn(data)
        guard let readBIO else { return }
        switch state {
        case .handshaking, .established, .outputClosed:
            ciphertext.withUnsafeReadableBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let length = Int32(clamping: raw.count - offset)
                    let written = BIO_write(readBIO, raw.baseAddress! + offset, length)
                    if written <= 0 { break }
                    offset += Int(written)
                }
            }
            if case .handshaking = state {
                advanceHandshake(context: context)
            } else {
                readPlaintext(context: context)
            }
        case .idle, .shuttingDown, .closed:
            // Nothing useful can follow our close_notify or a failure; the channel is closing.
            break
        }
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        guard let connection else { return }
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(connection)
        if result == 1 {
            if writeCiphertext(context: context, promise: nil) { context.flush() }
            handshakeCompleted(context: context)
            return
        }
        let error = SSL_get_error(connection, result)
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            if writeCiphertext(context: context, promise: nil) { context.flush() }
        default:
            fail(context: context, error: .handshakeFailed(reason: OpenSSLErrorQueue.drain(fallback: "SSL error \(error)")))
        }
    }

    private func handshakeCompleted(context: ChannelHandlerContext) {
        guard let connection else { return }
        state = .established
        handshakeTimeout?.cancel()
        handshakeTimeout = nil
        var selected: UnsafePointer<UInt8>?
        var selectedLength: UInt32 = 0
        SSL_get0_alpn_selected(connection, &selected, &selectedLength)
        if let selected, selectedLength > 0 {
            applicationProtocol = String(decoding: UnsafeBufferPointer(start: selected, count: Int(selectedLength)), as: UTF8.self)
        }
        // Writes queued during the handshake go out first, in order, so that anything a handler
        // writes in reaction to the event below comes after them.
        pendingBytes = 0
        while case .established = state, let next = pendingWrites.popFirst() {
            encrypt(context: context, next.data, promise: next.promise)
        }
        if flushRequested, case .established = state {
            flushRequested = false
            context.flush()
        }
        guard case .established = state else { return }
        context.fireUserInboundEventTriggered(TLSEvent.handshakeCompleted(applicationProtocol: applicationProtocol))
        // Application data may have arrived in the same read as the handshake's last flight.
        if case .established = state { readPlaintext(context: context) }
    }

    private func readPlaintext(context: ChannelHandlerContext) {
        guard let connection else { return }
        var plaintext = context.channel.allocator.buffer(capacity: Self.readChunk)
        var outcome: Int32 = SSL_ERROR_NONE
        while true {
            OpenSSLErrorQueue.clear()
            var result: Int32 = 0
            plaintext.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.readChunk) { raw in
                result = SSL_read(connection, raw.baseAddress, Int32(clamping: raw.count))
                return result > 0 ? Int(result) : 0
            }
            if result > 0 { continue }
            outcome = SSL_get_error(connection, result)
            break
        }
        // SSL_read may have produced records of its own (a TLS 1.3 key update reply).
        if writeCiphertext(context: context, promise: nil) { context.flush() }
        if plaintext.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(plaintext))
        }
        switch outcome {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            break
        case SSL_ERROR_ZERO_RETURN:
            peerSentCloseNotify(context: context)
        default:
            fail(context: context, error: .protocolError(reason: OpenSSLErrorQueue.drain(fallback: "SSL error \(outcome)")))
        }
    }

    /// The peer finished the TLS session: answer with our close_notify and close the channel.
    private func peerSentCloseNotify(context: ChannelHandlerContext) {
        if case .outputClosed = state {
            // Ours went out already: both sides are done.
            state = .shuttingDown
            context.close(promise: nil)
            return
        }
        guard case .established = state, let connection else { return }
        state = .shuttingDown
        OpenSSLErrorQueue.clear()
        _ = SSL_shutdown(connection)
        if writeCiphertext(context: context, promise: nil) { context.flush() }
        context.close(promise: nil)
    }

    // MARK: Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plaintext = unwrapOutboundIn(data)
        switch state {
        case .idle, .handshaking:
            guard pendingBytes + plaintext.readableBytes <= limits.maxBytesBeforeHandshake else {
                promise?.fail(TLSError.tooMuchDataBeforeHandshake(limit: limits.maxBytesBeforeHandshake))
                return
            }
            pendingBytes += plaintext.readableBytes
            pendingWrites.append(PendingWrite(data: plaintext, promise: promise))
        case .established:
            encrypt(context: context, plaintext, promise: promise)
        case .outputClosed:
            promise?.fail(ChannelError.outputClosed)  // what a plain socket says after a half-close
        case .shuttingDown, .closed:
            promise?.fail(TLSError.writeAfterShutdown)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        switch state {
        case .idle, .handshaking:
            flushRequested = true
        case .established, .outputClosed, .shuttingDown, .closed:
            context.flush()
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch mode {
        case .all: break
        case .output:
            closeOutput(context: context, promise: promise)
            return
        case .input:
            context.close(mode: mode, promise: promise)
            return
        }
        switch state {
        case .established:
            state = .shuttingDown
            if let promise { context.channel.closeFuture.cascade(to: promise) }
            close(context: context, once: sendCloseNotify(context: context))
        case .shuttingDown:
            if let promise { context.channel.closeFuture.cascade(to: promise) }
        case .outputClosed:
            // Our close_notify was sent by the half-close; close once it is written (it may still
            // wait behind a backlog).
            state = .shuttingDown
            if let promise { context.channel.closeFuture.cascade(to: promise) }
            close(context: context, once: closeNotifyWritten ?? context.eventLoop.makeSucceededVoidFuture())
        case .idle, .handshaking, .closed:
            context.close(mode: mode, promise: promise)
        }
    }

    /// Closes the channel once `written` (our close_notify) completes, or after `shutdownTimeout`
    /// so a peer that does not read cannot hold the connection open.
    private func close(context: ChannelHandlerContext, once written: EventLoopFuture<Void>) {
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: limits.shutdownTimeout) {
            context.close(promise: nil)
        }
        written.assumeIsolated().whenComplete { _ in
            timeout.cancel()
            context.close(promise: nil)
        }
    }

    /// Half-close: close_notify, then the socket's write side once it is written. Before the
    /// handshake completes there is no session to end and none can start without writing, so
    /// the channel is closed whole.
    private func closeOutput(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        switch state {
        case .established:
            state = .outputClosed
            let written = sendCloseNotify(context: context)
            closeNotifyWritten = written
            written.assumeIsolated().whenComplete { result in
                switch result {
                case .success: context.close(mode: .output, promise: promise)
                case .failure(let error): promise?.fail(error)
                }
            }
        case .idle, .handshaking:
            close(context: context, mode: .all, promise: promise)
        case .outputClosed, .shuttingDown, .closed:
            promise?.fail(ChannelError.outputClosed)
        }
    }

    /// Queues our close_notify and flushes it; the future completes once it is written.
    private func sendCloseNotify(context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        if let connection {
            OpenSSLErrorQueue.clear()
            _ = SSL_shutdown(connection)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        writeCiphertext(context: context, promise: written)
        context.flush()
        return written.futureResult
    }

    /// Encrypts `plaintext` in chunks, writing each chunk's records to the channel; `promise`
    /// rides on the last one.
    private func encrypt(context: ChannelHandlerContext, _ plaintext: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard let connection else {
            promise?.fail(TLSError.writeAfterShutdown)
            return
        }
        guard plaintext.readableBytes > 0 else {
            context.write(wrapOutboundOut(plaintext), promise: promise)
            return
        }
        var remaining = plaintext
        while remaining.readableBytes > 0 {
            OpenSSLErrorQueue.clear()
            let length = Int32(min(remaining.readableBytes, Self.writeChunk))
            let result = remaining.withUnsafeReadableBytes { raw in SSL_write(connection, raw.baseAddress, length) }
            guard result > 0 else {
                let error = TLSError.protocolError(
                    reason: OpenSSLErrorQueue.drain(fallback: "SSL_write: SSL error \(SSL_get_error(connection, result))")
                )
                promise?.fail(error)
                fail(context: context, error: error)
                return
            }
            // With memory BIOs a write is never partial (the BIO grows), but a partial count
            // would simply be continued from here.
            remaining.moveReaderIndex(forwardBy: Int(result))
            writeCiphertext(context: context, promise: remaining.readableBytes == 0 ? promise : nil)
        }
    }

    /// Moves everything OpenSSL wrote into the outbound memory BIO to the channel (unflushed).
    /// Returns whether anything was written; with nothing to write, `promise` succeeds.
    @discardableResult
    private func writeCiphertext(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) -> Bool {
        guard let writeBIO else {
            promise?.fail(TLSError.writeAfterShutdown)
            return false
        }
        let pending = BIO_ctrl_pending(writeBIO)
        guard pending > 0 else {
            promise?.succeed()
            return false
        }
        var ciphertext = context.channel.allocator.buffer(capacity: pending)
        ciphertext.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { raw in
            Int(max(0, BIO_read(writeBIO, raw.baseAddress, Int32(clamping: pending))))
        }
        context.write(wrapOutboundOut(ciphertext), promise: promise)
        return true
    }

    // MARK: Failure

    /// Sends whatever alert OpenSSL queued, fails queued writes, reports `error` and closes.
    private func fail(context: ChannelHandlerContext, error: TLSError) {
        switch state {
        case .closed:
            return
        case .idle, .handshaking, .established, .outputClosed, .shuttingDown:
            break
        }
        state = .closed
        handshakeTimeout?.cancel()
        handshakeTimeout = nil
        if writeCiphertext(context: context, promise: nil) { context.flush() }
        failPendingWrites(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func failPendingWrites(_ error: any Error) {
        pendingBytes = 0
        while let write = pendingWrites.popFirst() {
            write.promise?.fail(error)
        }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }
}
