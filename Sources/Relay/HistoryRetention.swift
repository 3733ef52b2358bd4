/// How much of a session's history is kept, in memory (`SessionLog`) and on disk
/// (`EventHistoryStore`): the newest events while there are at most `maxEvents` of them and their
/// data adds up to at most `maxBytes`. The newest event is always kept, even if it alone exceeds
/// `maxBytes`, so a session's last sequence number always has its event.
///
/// Both sides must apply the same rule so that a relay restart restores the same window viewers saw.
public struct HistoryRetention: Hashable, Sendable {
    /// Default: 10,000 events per session (issue 4).
    public static let defaultMaxEvents = 10_000
    /// Default: 64 MiB of event data per session (issue 4).
    public static let defaultMaxBytes = 64 * 1024 * 1024

    /// Upper bound on retained events. At least 1.
    public var maxEvents: Int
    /// Upper bound on the sum of retained events' data sizes (the JSON as the presenter sent it;
    /// frame headers and envelopes, about 70 bytes per event, are not counted).
    public var maxBytes: Int

    public init(maxEvents: Int = HistoryRetention.defaultMaxEvents, maxBytes: Int = HistoryRetention.defaultMaxBytes) {
        precondition(maxEvents >= 1 && maxBytes >= 0, "retention must keep at least one event")
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
    }
}
