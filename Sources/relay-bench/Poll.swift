#if canImport(Glibc)
import Glibc
#endif

/// Bounded waiting: every wait in the tool has a deadline.
enum Poll {
    /// Checks `condition` every `interval` seconds until it holds or `timeout` seconds pass;
    /// returns whether it held.
    static func until(timeout: Double, interval: Double = 0.02, _ condition: () async -> Bool) async -> Bool {
        let deadline = MonotonicClock.now() + UInt64(timeout * 1e9)
        while true {
            if await condition() { return true }
            if MonotonicClock.now() >= deadline { return false }
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
        }
    }

    static func sleep(seconds: Double) async {
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    }
}
