import Histogram
import NIOCore

/// Counters and the latency histogram of the viewers on one event loop. Only that loop's thread
/// touches them while the run is live (no locks on the receive path); the scenario reads them
/// through `loop.submit` once the phase is over or to poll progress.
final class LoopStats: @unchecked Sendable {
    let loop: EventLoop
    var latency = Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: .three)
    var delivered = 0
    /// Events missing in the middle of one viewer's stream (loss it can prove by itself).
    var sequenceHoles = 0
    /// Events received twice or out of order on one connection.
    var outOfOrder = 0
    var gapMessages = 0
    var controlMessages = 0
    var connectFailures = 0
    var opened = 0
    var closed = 0
    var closeCodes: [Int: Int] = [:]
    var lastCloseAt: UInt64 = 0
    /// Extra per-scenario histogram (catch-up times).
    var catchup = Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)

    init(loop: EventLoop) { self.loop = loop }

    /// A summary copy, taken on the loop.
    func snapshot() -> EventLoopFuture<LoopSnapshot> {
        loop.submit {
            LoopSnapshot(
                latency: self.latency, catchup: self.catchup, delivered: self.delivered,
                sequenceHoles: self.sequenceHoles, outOfOrder: self.outOfOrder, gapMessages: self.gapMessages,
                controlMessages: self.controlMessages, connectFailures: self.connectFailures,
                opened: self.opened, closed: self.closed, closeCodes: self.closeCodes, lastCloseAt: self.lastCloseAt
            )
        }
    }
}

/// The sum of every loop's stats.
struct LoopSnapshot: Sendable {
    var latency: Histogram<UInt64>
    var catchup: Histogram<UInt64>
    var delivered: Int
    var sequenceHoles: Int
    var outOfOrder: Int
    var gapMessages: Int
    var controlMessages: Int
    var connectFailures: Int
    var opened: Int
    var closed: Int
    var closeCodes: [Int: Int]
    var lastCloseAt: UInt64

    mutating func add(_ other: LoopSnapshot) {
        latency.add(other.latency)
        catchup.add(other.catchup)
        delivered += other.delivered
        sequenceHoles += other.sequenceHoles
        outOfOrder += other.outOfOrder
        gapMessages += other.gapMessages
        controlMessages += other.controlMessages
        connectFailures += other.connectFailures
        opened += other.opened
        closed += other.closed
        closeCodes.merge(other.closeCodes, uniquingKeysWith: +)
        lastCloseAt = max(lastCloseAt, other.lastCloseAt)
    }

    static func collect(_ stats: [LoopStats]) async throws -> LoopSnapshot {
        var total = try await stats[0].snapshot().get()
        for more in stats.dropFirst() { total.add(try await more.snapshot().get()) }
        return total
    }
}
