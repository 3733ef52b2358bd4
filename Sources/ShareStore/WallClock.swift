import Foundation

/// The current UTC time, injectable so tests can cross expiry boundaries without sleeping.
public protocol WallClock: Sendable {
    func now() -> UTCTimestamp
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> UTCTimestamp {
        UTCTimestamp(secondsSinceEpoch: Int64(time(nil)))
    }
}

/// A clock that only moves when told to. For tests, and for tools that replay time.
public final class ManualWallClock: WallClock, @unchecked Sendable {
    // The one piece of shared mutable state here, guarded by `lock`.
    private let lock = NSLock()
    private var current: UTCTimestamp

    public init(_ start: UTCTimestamp) {
        current = start
    }

    /// Starts at the system's current time.
    public convenience init() {
        self.init(SystemWallClock().now())
    }

    public func now() -> UTCTimestamp {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func set(_ timestamp: UTCTimestamp) {
        lock.lock()
        current = timestamp
        lock.unlock()
    }

    public func advance(by seconds: Int64) {
        lock.lock()
        current = current.adding(seconds: seconds)
        lock.unlock()
    }
}
