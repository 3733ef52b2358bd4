/// Handshakes per client address per second (over the limit: refuse the upgrade, e.g. HTTP 429).
///
/// Fixed one-second windows: cheap and bounded (the table is cleared each second, so it holds at
/// most the addresses seen in the current second). An address can get up to twice the limit
/// across a window boundary, which is fine for a flood guard. Owned by one event loop; a server
/// with several accept loops can keep one per loop with the limit divided between them.
public struct HandshakeRateLimiter<Address: Hashable> {
    public let limitPerSecond: Int
    private var windowSecond: Int64 = .min
    private var counts: [Address: Int] = [:]

    public init(limitPerSecond: Int) {
        precondition(limitPerSecond >= 1, "limitPerSecond must be at least 1")
        self.limitPerSecond = limitPerSecond
    }

    /// Counts a handshake from `address` at `now`; false if it is over the limit.
    public mutating func allow(_ address: Address, now: RelayTime) -> Bool {
        let second = now.millisecondsSinceEpoch / 1000
        if second != windowSecond {
            windowSecond = second
            counts.removeAll(keepingCapacity: true)
        }
        let count = counts[address, default: 0]
        guard count < limitPerSecond else { return false }
        counts[address] = count + 1
        return true
    }
}
