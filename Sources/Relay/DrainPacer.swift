import NIOCore

/// Decides when a session's next drain runs: at the end of the current loop iteration, or a
/// little later so that it carries several events.
///
/// Why: a drain costs about one socket write per viewer, whatever it carries, and on loopback a
/// write costs the sender several microseconds (the kernel runs the receiver's TCP path inline).
/// A loop that drains as soon as anything is pending spends a whole core on a large session and
/// then measures about 1 µs of relay CPU per delivered event at 1,000 viewers × 1,000 events/s,
/// however fast the rest of the relay is. Two rules space a large session's drains instead:
/// - at least `interval` between the starts of two drains, and
/// - after a drain that took `d`, at least `d × idlePercent / 100` (capped at `maximumRest`)
///   before the next one starts, so a session's fan-out keeps the loop busy at most
///   `100 / (100 + idlePercent)` of the time and each write carries every event of the span
///   (shared, see `SharedTails`).
/// Both apply only after a drain that carried several frames per viewer (events arrive faster than
/// drains run). The price is added latency of about one drain's duration, and only under such a
/// stream; the relay's CPU per delivery then falls with the load instead of staying pinned at one
/// write per event.
///
/// Small sessions (fewer than `minimumViewers`) are never delayed: a write per event is cheap for
/// them, and latency is what matters.
///
/// A value type owned by the fan-out's event loop; times are monotonic (`NIODeadline`).
public struct DrainPacer: Hashable, Sendable {
    /// Shortest spacing between the starts of two drains of a large session.
    public var interval: TimeAmount
    /// Idle time after a drain, in percent of that drain's duration.
    public var idlePercent: Int
    /// The longest idle time after a drain (very large sessions: latency stays bounded).
    public var maximumRest: TimeAmount
    /// Sessions with fewer viewers than this are drained at once.
    public var minimumViewers: Int
    private var lastDrainStart: NIODeadline?
    private var lastDrainEnd: NIODeadline?

    public enum Decision: Hashable, Sendable {
        /// Drain at the end of this loop iteration.
        case endOfIteration
        /// Drain when this deadline is reached.
        case at(NIODeadline)
    }

    public init(interval: TimeAmount, idlePercent: Int = 100, maximumRest: TimeAmount = .milliseconds(50), minimumViewers: Int) {
        self.interval = interval
        self.idlePercent = idlePercent
        self.maximumRest = maximumRest
        self.minimumViewers = minimumViewers
    }

    /// When to run the drain the fan-out just requested.
    public func nextDrain(now: NIODeadline, viewers: Int) -> Decision {
        guard viewers >= minimumViewers, let start = lastDrainStart else { return .endOfIteration }
        var due = start + interval
        if let end = lastDrainEnd, end >= start {
            let rest = min(.nanoseconds((end - start).nanoseconds * Int64(idlePercent) / 100), maximumRest)
            if end + rest > due { due = end + rest }
        }
        return due > now ? .at(due) : .endOfIteration
    }

    /// Records that a drain is starting now.
    public mutating func drainStarted(at now: NIODeadline) {
        lastDrainStart = now
        lastDrainEnd = nil
    }

    /// A drain that wrote at least this many frames per written viewer, on average, counts as
    /// carrying several: events arrive faster than drains run. One or two happen at moderate rates
    /// from jitter alone, and pacing those only adds latency.
    public static let severalFramesPerViewer = 3

    /// Records that the drain started last has finished, with what it wrote. Only a drain that
    /// carried several frames per viewer (`severalFramesPerViewer`) spaces the next one: a session
    /// whose drains carry one event each is drained as soon as the next one arrives, so a moderate
    /// stream keeps its lowest latency.
    public mutating func drainEnded(at now: NIODeadline, report: SessionFanout.DrainReport) {
        let carriedSeveral =
            report.viewersWritten > 0 && report.framesWritten >= Self.severalFramesPerViewer * report.viewersWritten
        if carriedSeveral {
            lastDrainEnd = now
        } else {
            lastDrainStart = nil
            lastDrainEnd = nil
        }
    }
}
