/// What `session.share` accepts for `expires_in`. Explicit limits with documented defaults.
public struct SharePolicy: Sendable, Hashable {
    /// Lifetime of a share when `expires_in` is absent. Default 3600 s (one hour).
    public var defaultExpiresIn: Int64
    /// The largest accepted `expires_in`. Default 2,592,000 s (30 days).
    public var maximumExpiresIn: Int64
    /// Whether `"expires_in": null` (a share that never expires) is accepted. Default false.
    public var allowsIndefiniteShares: Bool

    public static let defaultExpiresInSeconds: Int64 = 3600
    public static let defaultMaximumExpiresInSeconds: Int64 = 30 * 86_400

    public init(
        defaultExpiresIn: Int64 = SharePolicy.defaultExpiresInSeconds,
        maximumExpiresIn: Int64 = SharePolicy.defaultMaximumExpiresInSeconds,
        allowsIndefiniteShares: Bool = false
    ) {
        self.defaultExpiresIn = defaultExpiresIn
        self.maximumExpiresIn = maximumExpiresIn
        self.allowsIndefiniteShares = allowsIndefiniteShares
    }

    /// nil when the policy is coherent, else what is wrong (for start-up validation).
    public var problem: String? {
        if maximumExpiresIn < 1 { return "the maximum share lifetime must be at least 1 second" }
        if defaultExpiresIn < 1 || defaultExpiresIn > maximumExpiresIn {
            return "the default share lifetime (\(defaultExpiresIn) s) must be between 1 and the maximum (\(maximumExpiresIn) s)"
        }
        return nil
    }
}
