import NIOCore
import Relay
import WebSocket
import WebSocketNIO

/// A viewer's WebSocket (`GET /v1/view`): read-only, fed by its session's `SessionFanout` as a
/// cursor. Lives on the relay loop, like every relay connection.
/// `@unchecked Sendable`: confined to the relay loop (`RelayHub.loop`); it only crosses
/// threads inside future callbacks that run on that loop.
final class ViewerEndpoint: WebSocketEndpoint, FanoutViewer, @unchecked Sendable {
    let hub: RelayHub
    /// The raw token from the handshake (nil when none was offered). Never logged in full.
    /// Once admitted, the share's own copy (one string per share, not per viewer).
    var tokenText: String?
    /// `?since=N`: resume after seq N.
    let resumeAfter: UInt64?
    /// The client's address (see `ClientAddressResolver`), for the handshake limit and the log.
    let clientAddress: String
    /// The viewer negotiated permessage-deflate with server_no_context_takeover and a window the
    /// shared compressor fits in: it gets the event frames compressed once per event.
    let acceptsCompressedFrames: Bool
    private(set) weak var socket: WebSocketHandler?
    /// Set once admitted and attached to its session's fan-out.
    var session: LiveSession?
    var fanoutToken: ViewerToken?
    var isClosed = false
    private var highWaterMark = 64 * 1024
    private let openedAt = ContinuousClock.now

    init(hub: RelayHub, tokenText: String?, resumeAfter: UInt64?, clientAddress: String, acceptsCompressedFrames: Bool = false) {
        self.acceptsCompressedFrames = acceptsCompressedFrames
        self.hub = hub
        self.tokenText = tokenText
        self.resumeAfter = resumeAfter
        self.clientAddress = clientAddress
    }

    /// Starts the closing handshake with a relay close code.
    func close(_ code: RelayCloseCode) {
        socket?.close(code: WebSocketCloseCode(rawValue: code.rawValue), reason: code.reason)
    }

    // MARK: WebSocketEndpoint

    func webSocketOpened(_ socket: WebSocketHandler) {
        self.socket = socket
        hub.metrics.webSocketOpened(.viewer)
        if let mark = try? socket.channel?.syncOptions?.getOption(.writeBufferWaterMark) {
            highWaterMark = mark.high
        }
        // Opened from inside the upgrade, while the HTTP handlers are still being removed: write
        // nothing before they are gone (next loop task).
        hub.loop.execute {
            self.hub.viewerOpened(self)
            // The 101 was left unflushed (RelayHub.upgradeViewer): it has gone out with the hello
            // (one write) when the share was admitted at once; otherwise it goes now.
            self.socket?.channel?.flush()
        }
    }

    func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage) {
        // Viewers are read-only: any data frame is a policy violation.
        close(.readOnlyViolation)
    }

    func webSocketWritabilityChanged(_ socket: WebSocketHandler) {
        hub.viewerWritabilityChanged(self, writable: socket.isWritable)
    }

    func webSocketClosed(_ socket: WebSocketHandler, code: WebSocketCloseCode?) {
        isClosed = true
        hub.metrics.webSocketClosed(.viewer, code: code)
        let sessionId = session?.sessionId
        hub.viewerClosed(self)
        // The metadata costs a dictionary and six strings: not built when the line is filtered.
        guard hub.logger.logLevel <= .info else { return }
        var metadata = ConnectionLog.metadata(
            role: "viewer", session: sessionId, code: code, openedAt: openedAt, client: clientAddress
        )
        metadata["token"] = "\(ConnectionLog.redacted(tokenText))"
        hub.logger.info("connection closed", metadata: metadata)
    }

    // MARK: FanoutViewer

    var writeBudget: Int {
        guard let socket, socket.isOpen, let channel = socket.channel else { return 0 }
        let buffered = (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        return min(highWaterMark - buffered + 1, hub.settings.maxBytesPerViewerPerDrain)
    }

    func write(_ frame: ByteBuffer) {
        socket?.write(preEncodedFrames: frame)
    }

    func flush() {
        socket?.flush()
    }
}
