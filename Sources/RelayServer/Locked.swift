import Foundation

/// A value behind a lock, for the few pieces of state shared across event loops (the auth failure
/// record, the set of open connections). Hold the lock only for the closure's short update.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
