import Relay
import Testing

struct ShareLookupCacheTests {
    private func at(_ ms: Int64) -> RelayTime { RelayTime(millisecondsSinceEpoch: ms) }

    @Test func storedAnswerIsUsedWithinItsLifetimeOnly() {
        var cache = ShareLookupCache<String>(lifetimeMilliseconds: 1000)
        cache.store("share", for: "t", now: at(10_000))
        #expect(cache.value(for: "t", now: at(10_999)) == "share")
        #expect(cache.value(for: "t", now: at(11_000)) == nil)
        #expect(cache.count == 0)
    }

    @Test func answerFromTheFutureIsNotTrustedWhenTheClockSteppedBack() {
        var cache = ShareLookupCache<String>(lifetimeMilliseconds: 1000)
        cache.store("share", for: "t", now: at(10_000))
        #expect(cache.value(for: "t", now: at(9_000)) == nil)
    }

    @Test func removedAnswerIsGoneAtOnce() {
        var cache = ShareLookupCache<String>(lifetimeMilliseconds: 1000)
        cache.store("share", for: "t", now: at(0))
        cache.remove("t")
        #expect(cache.value(for: "t", now: at(1)) == nil)
    }

    @Test func fullCacheDropsExpiredEntriesThenEverythingButNeverGrowsPastCapacity() {
        var cache = ShareLookupCache<Int>(lifetimeMilliseconds: 100, capacity: 2)
        cache.store(1, for: "a", now: at(0))
        cache.store(2, for: "b", now: at(50))
        cache.store(3, for: "c", now: at(120))  // "a" expired: dropped to make room
        #expect(cache.count == 2)
        #expect(cache.value(for: "b", now: at(120)) == 2)
        cache.store(4, for: "d", now: at(130))  // nothing expired: start over
        #expect(cache.count == 1)
        #expect(cache.value(for: "d", now: at(130)) == 4)
    }
}
