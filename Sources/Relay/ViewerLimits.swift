/// How many viewers may watch at once; a viewer over any limit is closed with 4429.
/// Each bounds memory: about 2 KiB per idle viewer is the target (issue 6).
public struct ViewerLimits: Hashable, Sendable {
    /// Viewers of one share. Default 10,000 (`SHARE_RELAY_MAX_VIEWERS_PER_SHARE`).
    public var perShare: Int
    /// Viewers of one session, over all its shares. Default 10,000 (`SHARE_RELAY_MAX_VIEWERS_PER_SESSION`).
    public var perSession: Int
    /// Viewers of the whole relay. Default 100,000 (about 200 MB at 2 KiB each; the host's
    /// open-file limit is usually the tighter bound).
    public var total: Int

    public init(perShare: Int = 10_000, perSession: Int = 10_000, total: Int = 100_000) {
        self.perShare = perShare
        self.perSession = perSession
        self.total = total
    }
}
