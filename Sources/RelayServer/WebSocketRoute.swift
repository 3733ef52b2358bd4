import NIOCore
import NIOHTTP1
import WebSocketNIO

/// A path served over WebSocket: the seam through which the relay's routes (`/v1/view`,
/// `/v1/sessions/{id}/publish`) join the HTTP server.
///
/// When a GET request asks for `Upgrade: websocket` and `matches` accepts its path, the HTTP
/// router waits for the request's end, removes itself from the pipeline and calls `upgrade` on
/// the channel's event loop with the channel and the request head. From then on the connection
/// belongs to `upgrade`: it writes the response (101, or a refusal such as 400/426), and for a
/// 101 replaces the HTTP handlers (`RelayHTTPPipeline.removeHTTPHandlers`) with its own. The HTTP
/// request decoder forwards any bytes it read past the request when it is removed. A failed
/// future closes the connection. Upgrade requests no route matches get a JSON 404 and the
/// connection is closed.
public struct WebSocketRoute: Sendable {
    /// Called on the channel's event loop; the HTTP encoder and decoder are still in place.
    public typealias Upgrade = @Sendable (_ channel: any Channel, _ head: HTTPRequestHead) -> EventLoopFuture<Void>

    /// Whether this route serves the request path (without the query string).
    public var matches: @Sendable (_ path: String) -> Bool
    public var upgrade: Upgrade

    public init(matches: @escaping @Sendable (_ path: String) -> Bool, upgrade: @escaping Upgrade) {
        self.matches = matches
        self.upgrade = upgrade
    }

    /// A route for exactly one path.
    public init(path: String, upgrade: @escaping Upgrade) {
        self.init(matches: { $0 == path }, upgrade: upgrade)
    }
}

/// The names of the HTTP handlers in every connection's pipeline, in order, so an upgrade can
/// remove exactly them.
public enum RelayHTTPPipeline {
    // The standard HTTP handlers are WebSocketNIO's (`WebSocketServerUpgrade.configureHTTPServerPipeline`),
    // so one upgrade path serves the relay and ws-echo alike.
    public static let encoder = WebSocketServerUpgrade.HandlerName.encoder
    public static let decoder = WebSocketServerUpgrade.HandlerName.decoder
    public static let pipelining = WebSocketServerUpgrade.HandlerName.pipelining
    public static let headerValidator = "http-header-validator"
    public static let errorHandler = WebSocketServerUpgrade.HandlerName.errors
    public static let idleTimer = "http-idle"
    public static let router = "http-router"

    /// The relay's HTTP handlers beyond WebSocketNIO's standard ones.
    public static let additionalHandlerNames = [idleTimer, headerValidator]

    /// Every HTTP handler except the router (which removes itself before an upgrade).
    public static let handlerNames = [idleTimer, errorHandler, headerValidator, pipelining, decoder, encoder]

    /// Removes the HTTP handlers that are still present (call on the channel's event loop, after
    /// writing the 101 response). The decoder goes last, so the bytes it forwards on removal
    /// reach the handlers added after it.
    public static func removeHTTPHandlers(from pipeline: ChannelPipeline) -> EventLoopFuture<Void> {
        let futures = handlerNames.map { name in
            pipeline.removeHandler(name: name).recover { _ in }  // already gone is fine
        }
        return EventLoopFuture.andAllSucceed(futures, on: pipeline.eventLoop)
    }

    static func isWebSocketUpgrade(_ head: HTTPRequestHead) -> Bool {
        head.method == .GET
            && head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
    }
}
