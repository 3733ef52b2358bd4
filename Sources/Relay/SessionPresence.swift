import NIOCore

/// A session's audience on its home loop: how many presenters and viewers it has (across all
/// loops), and when to tell whom. Viewers get `presence` when the presenter goes on- or offline or
/// the viewer count changes; presenters get `viewers` when the count changes; each at most 4
/// times per second, coalesced to the latest value (`RateCoalescer`). For large audiences the
/// viewers' `presence` interval grows with the audience (`presenceInterval(viewers:)`): one
/// presence message is one write per viewer, and at 20,000 viewers joining at once four
/// broadcasts per second would take most of a core (measured: connecting 19,900 viewers cost
/// the relay 10 s of CPU, most of it re-announcing the growing count to everyone).
///
/// A value type owned by the session's home loop. Every mutation returns a `PresenceUpdate` the
/// I/O layer executes: `presence` goes to `SessionFanout.setPresence(_:)` (on every loop with
/// viewers), `viewerCount` to each presenter as `RelayMessage.viewers(count:)`, and `wakeUpAt`
/// arms a timer that calls `deadlineReached(now:)`.
public struct SessionPresence: Hashable, Sendable {
    public private(set) var presenters = 0
    public private(set) var viewers = 0
    /// What viewers were last told (the `hello` of new viewers uses `current`).
    public private(set) var announcedPresence: PresenceState
    /// What presenters were last told.
    public private(set) var announcedViewerCount: Int
    private var presenceCoalescer: RateCoalescer
    private var viewerCountCoalescer: RateCoalescer

    /// The base spacing of announcements (presenters always get this one).
    public let minimumInterval: TimeAmount

    /// Extra spacing of viewers' `presence` messages per viewer: 100 µs, so a broadcast (a write
    /// per viewer, several µs each) takes at most a few percent of the loop.
    public static let presenceIntervalPerViewer = TimeAmount.microseconds(100)
    /// The longest spacing of viewers' `presence` messages, whatever the audience.
    public static let maximumPresenceInterval = TimeAmount.seconds(5)

    public init(minimumInterval: TimeAmount = .milliseconds(250)) {
        self.minimumInterval = minimumInterval
        announcedPresence = PresenceState(presenter: false, viewers: 0)
        announcedViewerCount = 0
        presenceCoalescer = RateCoalescer(minimumInterval: minimumInterval)
        viewerCountCoalescer = RateCoalescer(minimumInterval: minimumInterval)
    }

    /// The spacing of viewers' `presence` messages for an audience of `viewers`: the base interval
    /// up to 2,500 viewers (at 250 ms), then 100 µs per viewer, at most 5 s.
    public func presenceInterval(viewers: Int) -> TimeAmount {
        let scaled = TimeAmount.nanoseconds(Self.presenceIntervalPerViewer.nanoseconds * Int64(viewers))
        return min(max(minimumInterval, scaled), max(minimumInterval, Self.maximumPresenceInterval))
    }

    /// The state right now (for a new viewer's `hello`).
    public var current: PresenceState {
        PresenceState(presenter: presenters > 0, viewers: viewers)
    }

    /// What to send now and when to wake up next.
    public struct PresenceUpdate: Hashable, Sendable {
        /// Tell viewers this presence now.
        public var presence: PresenceState?
        /// Tell presenters this viewer count now.
        public var viewerCount: Int?
        /// Arm a timer for this time and call `deadlineReached(now:)` (nil: no new timer needed).
        public var wakeUpAt: RelayTime?

        public init(presence: PresenceState? = nil, viewerCount: Int? = nil, wakeUpAt: RelayTime? = nil) {
            self.presence = presence
            self.viewerCount = viewerCount
            self.wakeUpAt = wakeUpAt
        }
    }

    public mutating func presenterJoined(now: RelayTime) -> PresenceUpdate {
        presenters += 1
        return changed(presenceChanged: presenters == 1, viewerCountChanged: false, now: now)
    }

    public mutating func presenterLeft(now: RelayTime) -> PresenceUpdate {
        precondition(presenters > 0, "presenterLeft without a presenter")
        presenters -= 1
        return changed(presenceChanged: presenters == 0, viewerCountChanged: false, now: now)
    }

    /// The session's total viewer count changed by `delta` (a join is +1, a leave -1; replicas may
    /// report their changes in bulk).
    public mutating func viewersChanged(by delta: Int, now: RelayTime) -> PresenceUpdate {
        guard delta != 0 else { return PresenceUpdate() }
        viewers += delta
        precondition(viewers >= 0, "viewer count below zero")
        return changed(presenceChanged: true, viewerCountChanged: true, now: now)
    }

    /// A timer armed from `wakeUpAt` fired.
    public mutating func deadlineReached(now: RelayTime) -> PresenceUpdate {
        var update = PresenceUpdate()
        if presenceCoalescer.deadlineReached(now: now) {
            update.presence = announcePresence()
        }
        if viewerCountCoalescer.deadlineReached(now: now) {
            update.viewerCount = announceViewerCount()
        }
        // A timer that fired early leaves its deadline pending: ask to be woken again.
        update.wakeUpAt = earliest(presenceCoalescer.scheduledAt, viewerCountCoalescer.scheduledAt)
        return update
    }

    private mutating func changed(presenceChanged: Bool, viewerCountChanged: Bool, now: RelayTime) -> PresenceUpdate {
        var update = PresenceUpdate()
        if presenceChanged, current != announcedPresence {
            presenceCoalescer.minimumInterval = presenceInterval(viewers: viewers)
            switch presenceCoalescer.noteChange(now: now) {
            case .emitNow: update.presence = announcePresence()
            case let .emitAt(deadline): update.wakeUpAt = earliest(update.wakeUpAt, deadline)
            case .alreadyScheduled: break
            }
        }
        if viewerCountChanged, viewers != announcedViewerCount {
            switch viewerCountCoalescer.noteChange(now: now) {
            case .emitNow: update.viewerCount = announceViewerCount()
            case let .emitAt(deadline): update.wakeUpAt = earliest(update.wakeUpAt, deadline)
            case .alreadyScheduled: break
            }
        }
        return update
    }

    /// The current presence if it differs from what viewers last heard (a join and a leave inside
    /// one interval cancel out).
    private mutating func announcePresence() -> PresenceState? {
        guard current != announcedPresence else { return nil }
        announcedPresence = current
        return announcedPresence
    }

    private mutating func announceViewerCount() -> Int? {
        guard viewers != announcedViewerCount else { return nil }
        announcedViewerCount = viewers
        return viewers
    }

    private func earliest(_ a: RelayTime?, _ b: RelayTime?) -> RelayTime? {
        switch (a, b) {
        case let (a?, b?): min(a, b)
        case let (a?, nil): a
        case let (nil, b): b
        }
    }
}
