import ShareStore

/// Checks `Authorization: Bearer <owner key>` in constant time and rate-limits wrong keys.
///
/// Shared by every event loop; its failure record is the one piece of shared mutable state of
/// the HTTP layer, behind a lock held only for a dictionary update.
public final class OwnerAuthenticator: Sendable {
    public enum Decision: Sendable, Equatable {
        case allowed
        case missingKey
        case wrongKey
        case rateLimited(retryAfterSeconds: Int64)
    }

    private let keys: [String]
    private let limit: AuthFailureLimit
    private let clock: any WallClock
    private let failures = Locked([String: [Int64]]())

    public init(keys: [OwnerKey], limit: AuthFailureLimit = AuthFailureLimit(), clock: any WallClock = SystemWallClock()) {
        self.keys = keys.map(\.rawValue)
        self.limit = limit
        self.clock = clock
    }

    /// Decides on one request from `clientAddress` carrying the `Authorization` header value.
    public func authenticate(authorization: String?, clientAddress: String) -> Decision {
        let now = clock.now().secondsSinceEpoch
        if let retryAfter = retryAfter(clientAddress, now: now) {
            return .rateLimited(retryAfterSeconds: retryAfter)
        }
        guard let presented = Self.bearerCredential(authorization) else { return .missingKey }
        if SecretComparison.matchesAny(presented, of: keys) {
            failures.withLock { _ = $0.removeValue(forKey: clientAddress) }
            return .allowed
        }
        recordFailure(clientAddress, now: now)
        return .wrongKey
    }

    /// The credential of `Bearer <credential>` (scheme case-insensitive), or nil.
    static func bearerCredential(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.drop { $0 == " " }
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let credential = trimmed.dropFirst(7).drop { $0 == " " }
        let value = String(credential).trimmingCharacters(in: " \t")
        return value.isEmpty ? nil : value
    }

    private func retryAfter(_ address: String, now: Int64) -> Int64? {
        failures.withLock { records in
            guard let times = records[address] else { return nil }
            let recent = times.filter { $0 > now - limit.windowSeconds }
            guard recent.count >= limit.maximumFailures, let oldest = recent.first else { return nil }
            return max(1, oldest + limit.windowSeconds - now)
        }
    }

    private func recordFailure(_ address: String, now: Int64) {
        failures.withLock { records in
            var times = records[address, default: []].filter { $0 > now - limit.windowSeconds }
            times.append(now)
            if times.count > limit.maximumFailures { times.removeFirst(times.count - limit.maximumFailures) }
            records[address] = times
            if records.count > limit.maximumTrackedAddresses {
                records = records.filter { $0.value.last.map { $0 > now - limit.windowSeconds } ?? false }
                while records.count > limit.maximumTrackedAddresses,
                    let oldest = records.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) })?.key
                {
                    records.removeValue(forKey: oldest)
                }
            }
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
