/// Every admitted viewer of the relay, by share and by session: admission against the limits,
/// revocation (close a share's viewers with 4403), expiry (close them with 4410 within a second
/// of `expiresAt`) and live counts for `session.shareList`.
///
/// Owned by one event loop (or wrapped in an actor): it is global state, so the server hops to
/// its owner once per handshake, per close and per revocation, never per event. `Handle` is the
/// server's reference to a viewer connection (e.g. a channel handler or an id it can route to
/// the viewer's loop).
///
/// Expiry: `admit` returns the deadline to arm when a share gets its first viewer, and `remove`
/// says when a share has none left (cancel its timer): one timer per share with viewers. The
/// timer calls `expireShare(_:now:)`. Alternatively one timer for `nextExpiry()` and
/// `expireDue(now:)` (both O(shares with viewers)).
public struct ViewerRegistry<Handle: Hashable> {
    public let limits: ViewerLimits

    private struct ShareRecord {
        var sessionId: String
        var expiresAt: RelayTime?
        var viewers: Set<Handle>
    }

    private var shares: [String: ShareRecord] = [:]
    private var sessions: [String: Set<Handle>] = [:]
    private var shareOfHandle: [Handle: String] = [:]
    /// Shares revoked while this process runs: a handshake that looked the share up just before
    /// the revocation must not slip in just after it.
    private var revokedShares: Set<String> = []

    public init(limits: ViewerLimits = ViewerLimits()) {
        self.limits = limits
    }

    public var totalViewers: Int { shareOfHandle.count }

    public func viewerCount(shareId: String) -> Int { shares[shareId]?.viewers.count ?? 0 }

    public func viewerCount(sessionId: String) -> Int { sessions[sessionId]?.count ?? 0 }

    public func viewers(shareId: String) -> [Handle] { shares[shareId].map { Array($0.viewers) } ?? [] }

    public func viewers(sessionId: String) -> [Handle] { sessions[sessionId].map { Array($0) } ?? [] }

    /// Shares that currently have viewers: what the server polls for revocations written by
    /// other programs (`revoked_at`), so they are honoured within the poll interval.
    public var shareIdsWithViewers: some Collection<String> { shares.keys }

    public enum Admission: Hashable, Sendable {
        /// Admitted. `armExpiryTimerAt` is set when this is the share's first viewer and the share
        /// expires, or when the store reported a changed expiry: arm the share's one timer (replacing
        /// any armed before) to call `expireShare(_:now:)`. A timer firing when the share has no
        /// expiry any more gets `.nothingToDo`.
        case admitted(armExpiryTimerAt: RelayTime?)
        /// Refused: complete the handshake, then close with this code before sending anything.
        case rejected(RelayCloseCode)
    }

    /// Admits `handle` as a viewer of `shareId` (of session `sessionId`) if the share's status
    /// allows it at `now` (else 4401 / 4403 / 4410) and no limit is reached (else 4429).
    public mutating func admit(_ handle: Handle, shareId: String, sessionId: String, status: ShareStatus, now: RelayTime) -> Admission {
        if let code = status.closeCode(now: now) { return .rejected(code) }
        if revokedShares.contains(shareId) { return .rejected(.shareRevoked) }
        precondition(shareOfHandle[handle] == nil, "viewer admitted twice")
        guard totalViewers < limits.total,
            viewerCount(shareId: shareId) < limits.perShare,
            viewerCount(sessionId: sessionId) < limits.perSession
        else { return .rejected(.tooManyViewers) }

        guard case let .active(expiresAt) = status else { return .rejected(.unknownShare) }
        var armAt: RelayTime?
        if shares[shareId] == nil {
            shares[shareId] = ShareRecord(sessionId: sessionId, expiresAt: expiresAt, viewers: [])
            armAt = expiresAt
        } else if shares[shareId]!.expiresAt != expiresAt {
            // The store's answer is newer than ours (the expiry was changed): follow it, and have
            // the share's timer re-armed so an earlier deadline is not missed.
            shares[shareId]!.expiresAt = expiresAt
            armAt = expiresAt
        }
        shares[shareId]!.viewers.insert(handle)
        sessions[sessionId, default: []].insert(handle)
        shareOfHandle[handle] = shareId
        return .admitted(armExpiryTimerAt: armAt)
    }

    public struct Removal: Hashable, Sendable {
        public var shareId: String
        public var sessionId: String
        /// The share has no viewers left: cancel its expiry timer.
        public var shareHasNoViewers: Bool
    }

    /// Forgets a viewer whose connection closed. Nil if it was not registered (already removed
    /// by a revocation or expiry).
    @discardableResult
    public mutating func remove(_ handle: Handle) -> Removal? {
        guard let shareId = shareOfHandle.removeValue(forKey: handle), let sessionId = shares[shareId]?.sessionId else { return nil }
        // In place: a copy of the record would copy its viewer set (O(viewers) per removal).
        shares[shareId]!.viewers.remove(handle)
        sessions[sessionId]?.remove(handle)
        if sessions[sessionId]?.isEmpty == true { sessions[sessionId] = nil }
        let empty = shares[shareId]!.viewers.isEmpty
        if empty { shares[shareId] = nil }
        return Removal(shareId: shareId, sessionId: sessionId, shareHasNoViewers: empty)
    }

    /// Revokes a share: removes and returns all its viewers, to be closed with 4403 before the
    /// RPC answers; later admissions to it are refused with 4403.
    public mutating func revoke(shareId: String) -> [Handle] {
        revokedShares.insert(shareId)
        return removeShare(shareId)
    }

    public enum ExpiryOutcome: Hashable {
        /// Close these viewers with 4410 (they are already removed from the registry).
        case closeViewers([Handle])
        /// The timer fired early (timer clocks are monotonic, `expiresAt` is wall time): re-arm.
        case notYet(RelayTime)
        /// The share has no viewers or no expiry (any more): nothing to do.
        case nothingToDo
    }

    /// The share's expiry timer fired at `now`.
    public mutating func expireShare(_ shareId: String, now: RelayTime) -> ExpiryOutcome {
        guard let record = shares[shareId], let expiresAt = record.expiresAt else { return .nothingToDo }
        guard now >= expiresAt else { return .notYet(expiresAt) }
        return .closeViewers(removeShare(shareId))
    }

    /// The earliest expiry among shares with viewers.
    public func nextExpiry() -> (shareId: String, expiresAt: RelayTime)? {
        var earliest: (shareId: String, expiresAt: RelayTime)?
        for (shareId, record) in shares {
            guard let expiresAt = record.expiresAt else { continue }
            if earliest == nil || expiresAt < earliest!.expiresAt { earliest = (shareId, expiresAt) }
        }
        return earliest
    }

    /// Removes and returns the viewers of every share expired at `now`, to be closed with 4410.
    public mutating func expireDue(now: RelayTime) -> [Handle] {
        let due = shares.filter { $0.value.expiresAt.map { now >= $0 } ?? false }.keys
        return due.flatMap { removeShare($0) }
    }

    private mutating func removeShare(_ shareId: String) -> [Handle] {
        guard let record = shares.removeValue(forKey: shareId) else { return [] }
        for handle in record.viewers {
            shareOfHandle[handle] = nil
            sessions[record.sessionId]?.remove(handle)
        }
        if sessions[record.sessionId]?.isEmpty == true { sessions[record.sessionId] = nil }
        return Array(record.viewers)
    }
}
