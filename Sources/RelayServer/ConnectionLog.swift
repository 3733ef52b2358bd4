import Logging
import NIOCore
import WebSocket

/// The one log line per relay connection (at close): role, session, close code, duration, client.
/// Tokens and keys never appear in full.
enum ConnectionLog {
    static func metadata(
        role: String,
        session: String?,
        code: WebSocketCloseCode?,
        openedAt: ContinuousClock.Instant,
        client: String?
    ) -> Logger.Metadata {
        let elapsed = ContinuousClock.now - openedAt
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        var metadata: Logger.Metadata = [
            "role": "\(role)",
            "session": "\(session ?? "-")",
            "code": "\(code.map { "\($0.rawValue)" } ?? "-")",
            "duration_ms": "\(milliseconds)",
        ]
        if let client { metadata["client"] = "\(client)" }
        return metadata
    }

    /// `clw_share_AbCd…`: enough to tell tokens apart in logs, never enough to use one.
    static func redacted(_ token: String?) -> String {
        guard let token, !token.isEmpty else { return "-" }
        return String(token.prefix(14)) + "…"
    }
}
