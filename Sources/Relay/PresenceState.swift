/// What viewers are told about the session's audience: whether a presenter is connected and how
/// many viewers watch (across all event loops). Carried by `hello` and `presence` messages.
public struct PresenceState: Hashable, Sendable {
    public var presenter: Bool
    public var viewers: Int

    public init(presenter: Bool, viewers: Int) {
        self.presenter = presenter
        self.viewers = viewers
    }
}
