import NIOCore
import Relay
import WebSocket
import WebSocketNIO

/// A presenter's WebSocket (`GET /v1/sessions/{id}/publish`): every text frame is an event or a
/// JSON-RPC request. Lives on the relay loop.
/// `@unchecked Sendable`: confined to the relay loop (`RelayHub.loop`); it only crosses
/// threads inside future callbacks that run on that loop.
final class PresenterEndpoint: WebSocketEndpoint, @unchecked Sendable {
    let hub: RelayHub
    let sessionId: String
    /// The client's address (see `ClientAddressResolver`), for the log.
    let clientAddress: String
    private(set) weak var socket: WebSocketHandler?
    /// Set once the session's history is loaded; frames that arrive before are held in `pending`
    /// (bounded by the socket's own backpressure: we stop reading while loading is rare and short).
    var session: LiveSession?
    var pending: [WebSocketMessage] = []
    var isClosed = false
    private let openedAt = ContinuousClock.now

    init(hub: RelayHub, sessionId: String, clientAddress: String) {
        self.hub = hub
        self.sessionId = sessionId
        self.clientAddress = clientAddress
    }

    func send(_ message: RelayMessage) {
        guard let socket else { return }
        socket.send(.init(kind: .text, data: message.encoded()), compress: false)
    }

    func sendText(_ bytes: ByteBuffer) {
        socket?.send(.init(kind: .text, data: bytes), compress: false)
    }

    func webSocketOpened(_ socket: WebSocketHandler) {
        self.socket = socket
        hub.metrics.webSocketOpened(.presenter)
        // Opened from inside the upgrade, while the HTTP handlers are still being removed: write
        // nothing before they are gone (next loop task).
        hub.loop.execute {
            self.hub.presenterOpened(self)
        }
    }

    func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage) {
        guard session != nil else {
            pending.append(message)
            return
        }
        hub.presenterMessage(self, message)
    }

    func webSocketClosed(_ socket: WebSocketHandler, code: WebSocketCloseCode?) {
        isClosed = true
        hub.metrics.webSocketClosed(.presenter, code: code)
        hub.presenterClosed(self)
        hub.logger.info("connection closed", metadata: ConnectionLog.metadata(
            role: "presenter", session: sessionId, code: code, openedAt: openedAt, client: clientAddress
        ))
    }

    func close(_ code: WebSocketCloseCode) {
        socket?.close(code: code)
    }
}
