import NIOCore

/// Limits how often a changing value is announced: at most once per `minimumInterval` (250 ms
/// gives the "at most 4 per second" of presence and viewer-count messages), with the latest value
/// sent at the end of a busy period rather than dropped.
///
/// A value type owned by one event loop. It only decides *when*; the caller holds the value and
/// arms at most one timer per coalescer (for `.emitAt`), calling `deadlineReached(now:)` when it
/// fires.
public struct RateCoalescer: Hashable, Sendable {
    public enum Decision: Hashable, Sendable {
        /// Announce now.
        case emitNow
        /// Announce at this time: arm a timer and call `deadlineReached(now:)` then.
        case emitAt(RelayTime)
        /// A timer is already armed; it will announce the latest value.
        case alreadyScheduled
    }

    /// May change between announcements (e.g. with the audience's size); a deadline already armed
    /// keeps its time.
    public var minimumInterval: TimeAmount
    public private(set) var lastEmission: RelayTime?
    public private(set) var scheduledAt: RelayTime?

    public init(minimumInterval: TimeAmount = .milliseconds(250)) {
        self.minimumInterval = minimumInterval
    }

    /// The value changed at `now`.
    public mutating func noteChange(now: RelayTime) -> Decision {
        if scheduledAt != nil { return .alreadyScheduled }
        guard let lastEmission, now < lastEmission + minimumInterval else {
            lastEmission = now
            return .emitNow
        }
        let deadline = lastEmission + minimumInterval
        scheduledAt = deadline
        return .emitAt(deadline)
    }

    /// The timer armed for `.emitAt` fired at `now`. Returns true if the value should be announced
    /// now; false if nothing is pending or the timer fired early (the deadline stays armed).
    public mutating func deadlineReached(now: RelayTime) -> Bool {
        guard let scheduledAt, now >= scheduledAt else { return false }
        self.scheduledAt = nil
        lastEmission = now
        return true
    }
}
