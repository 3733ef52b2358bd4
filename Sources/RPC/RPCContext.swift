import ShareStore

/// What the transport knows about one RPC body: given by `POST /rpc` (no default session) and,
/// later, by the presenter's WebSocket (its own session as the default).
public struct RPCContext: Sendable {
    /// Used when a method's `session_id` is absent (the presenter socket's session).
    public var defaultSessionID: SessionID?
    /// The relay's hooks; nil when no relay is attached (then shares have no `viewers`).
    public var observer: (any ShareEventsObserver)?

    public init(defaultSessionID: SessionID? = nil, observer: (any ShareEventsObserver)? = nil) {
        self.defaultSessionID = defaultSessionID
        self.observer = observer
    }
}

/// The relay's view of shares, consulted by the share methods.
public protocol ShareEventsObserver: Sendable {
    /// How many viewers are connected with this share right now (added to `session.shareList`
    /// entries as `viewers`).
    func viewerCount(forShareToken token: ShareToken) async -> Int

    /// Called after a share is revoked in the store, and also when it was already revoked (an
    /// external program may have revoked it before the relay noticed), and awaited before
    /// `session.revokeShare` answers: implementations close every socket of the share (4403)
    /// before returning, so `{"ok": true}` means they are gone.
    func shareRevoked(token: ShareToken) async
}
