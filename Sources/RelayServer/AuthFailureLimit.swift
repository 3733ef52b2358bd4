/// Limits on wrong owner keys, per client address.
///
/// After `maximumFailures` wrong keys from one address within `windowSeconds`, every request
/// from that address that needs the owner key is answered 429 with `Retry-After` (the seconds
/// until the oldest of those failures leaves the window), without looking at its key, so guessing
/// cannot continue meanwhile. A correct key clears the address's record. Missing keys do not count.
public struct AuthFailureLimit: Sendable, Hashable {
    /// Wrong keys allowed per address within the window. Default 20, the configuration's
    /// `limits.authFailuresPerAddressPerMinute`.
    public var maximumFailures: Int
    /// The sliding window, in seconds. Default 60.
    public var windowSeconds: Int64
    /// Addresses remembered at most (memory bound: about 100 bytes each). When exceeded, records
    /// older than the window are dropped first, then the oldest. Default 10,000.
    public var maximumTrackedAddresses: Int

    public init(maximumFailures: Int = 20, windowSeconds: Int64 = 60, maximumTrackedAddresses: Int = 10_000) {
        self.maximumFailures = maximumFailures
        self.windowSeconds = windowSeconds
        self.maximumTrackedAddresses = maximumTrackedAddresses
    }

    var problem: String? {
        if maximumFailures < 1 { return "authFailureLimit.maximumFailures must be at least 1" }
        if windowSeconds < 1 { return "authFailureLimit.windowSeconds must be at least 1" }
        if maximumTrackedAddresses < 1 { return "authFailureLimit.maximumTrackedAddresses must be at least 1" }
        return nil
    }
}
