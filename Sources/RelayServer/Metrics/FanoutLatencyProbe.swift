import NIOCore

/// One session's events waiting for their first drain: the monotonic arrival time of each, so
/// the drain can observe "arrival → written to the viewers' sockets" once per event (not per
/// viewer). Only events published while a drain is pending are recorded, and every drain empties
/// the list, so it holds at most one loop iteration's events.
/// `@unchecked Sendable`: confined to the relay loop; it crosses threads only inside the drain
/// callback scheduled on that loop.
final class FanoutLatencyProbe: @unchecked Sendable {
    /// `NIODeadline.uptimeNanoseconds` at arrival.
    private(set) var arrivals: [UInt64] = []
    /// A safety bound: past it arrivals are not timed (never reached while drains run).
    static let maximumPending = 65_536

    init() {}

    func eventArrived() {
        guard arrivals.count < Self.maximumPending else { return }
        arrivals.append(NIODeadline.now().uptimeNanoseconds)
    }

    /// Hands the pending arrivals to `body` and forgets them.
    func drainEnded(_ body: ([UInt64]) -> Void) {
        guard !arrivals.isEmpty else { return }
        body(arrivals)
        arrivals.removeAll(keepingCapacity: true)
    }
}
