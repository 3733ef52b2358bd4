import NIOCore
import Relay

/// One session's live state on the relay loop: its fan-out (log + viewer cursors), presence
/// aggregation and connected presenters. Owned by `RelayHub`'s loop; not thread-safe.
/// `@unchecked Sendable`: confined to the relay loop (`RelayHub.loop`); it only crosses
/// threads inside future callbacks that run on that loop.
final class LiveSession: @unchecked Sendable {
    let sessionId: String
    let fanout: SessionFanout
    var presence: SessionPresence
    var presenters: [ObjectIdentifier: PresenterEndpoint] = [:]
    /// The coalescing timer armed from `SessionPresence.PresenceUpdate.wakeUpAt`.
    var presenceTimer: Scheduled<Void>?
    var presenceTimerAt: RelayTime?
    /// Arrival times of events waiting for their first drain (fan-out latency metric).
    let latencyProbe: FanoutLatencyProbe

    init(sessionId: String, fanout: SessionFanout, presence: SessionPresence, latencyProbe: FanoutLatencyProbe = FanoutLatencyProbe()) {
        self.latencyProbe = latencyProbe
        self.sessionId = sessionId
        self.fanout = fanout
        self.presence = presence
    }
}
