/// Recent answers of the share store for viewer handshakes, keyed by share token, so a burst of
/// viewers of one share costs one store lookup instead of one each (a task, a thread hop each way
/// and a SQLite query per viewer).
///
/// Only answers that admit a viewer (active shares) belong here, and each is trusted for at most
/// `lifetime` after it was read. Pick `lifetime` no longer than the revocation poll interval: a
/// revocation written by another program then reaches a new viewer no later than it reaches the
/// viewers already connected. Revocations through the relay remove the entry at once (`remove`),
/// and the expiry carried by the cached share is still checked against the clock at admission.
/// At most `capacity` entries: when full, the expired ones are dropped, then everything (the
/// cache only saves work, it never decides anything).
///
/// Not thread-safe: owned by the relay loop like the rest of the hub's state.
public struct ShareLookupCache<Value> {
    /// How long a stored answer is used, in milliseconds.
    public let lifetimeMilliseconds: Int64
    /// Most entries kept. Default 10,000 (a few hundred bytes each).
    public let capacity: Int
    private var entries: [String: Entry] = [:]

    private struct Entry {
        var value: Value
        var storedAt: RelayTime
    }

    public init(lifetimeMilliseconds: Int64, capacity: Int = 10_000) {
        precondition(lifetimeMilliseconds >= 0 && capacity > 0, "lifetime >= 0, capacity > 0")
        self.lifetimeMilliseconds = lifetimeMilliseconds
        self.capacity = capacity
    }

    public var count: Int { entries.count }

    /// The stored answer for `key`, nil when there is none or it is older than the lifetime
    /// (or from the future: the wall clock stepped back).
    public mutating func value(for key: String, now: RelayTime) -> Value? {
        guard let entry = entries[key] else { return nil }
        let age = now.millisecondsSinceEpoch - entry.storedAt.millisecondsSinceEpoch
        guard age >= 0, age < lifetimeMilliseconds else {
            entries[key] = nil
            return nil
        }
        return entry.value
    }

    public mutating func store(_ value: Value, for key: String, now: RelayTime) {
        if entries[key] == nil, entries.count >= capacity {
            entries = entries.filter { now.millisecondsSinceEpoch - $0.value.storedAt.millisecondsSinceEpoch < lifetimeMilliseconds }
            if entries.count >= capacity { entries.removeAll() }
        }
        entries[key] = Entry(value: value, storedAt: now)
    }

    public mutating func remove(_ key: String) {
        entries[key] = nil
    }
}
