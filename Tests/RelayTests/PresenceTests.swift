import NIOCore
import Testing
@testable import Relay

@Suite struct RateCoalescerTests {
    @Test func firstChangeIsAnnouncedAtOnce() {
        var coalescer = RateCoalescer()
        #expect(coalescer.noteChange(now: time(1_000)) == .emitNow)
    }

    @Test func changesWithinTheIntervalAreScheduledOnceForTheIntervalEnd() {
        var coalescer = RateCoalescer(minimumInterval: .milliseconds(250))
        #expect(coalescer.noteChange(now: time(1_000)) == .emitNow)
        #expect(coalescer.noteChange(now: time(1_010)) == .emitAt(time(1_250)))
        #expect(coalescer.noteChange(now: time(1_100)) == .alreadyScheduled)
        #expect(coalescer.noteChange(now: time(1_249)) == .alreadyScheduled)
        let early = coalescer.deadlineReached(now: time(1_249))
        let onTime = coalescer.deadlineReached(now: time(1_250))
        let nothingPending = coalescer.deadlineReached(now: time(1_300))
        #expect(!early, "a timer firing early does not emit")
        #expect(onTime)
        #expect(!nothingPending)
        #expect(coalescer.noteChange(now: time(1_300)) == .emitAt(time(1_500)))
    }

    @Test func changeAfterAQuietIntervalIsAnnouncedAtOnce() {
        var coalescer = RateCoalescer(minimumInterval: .milliseconds(250))
        #expect(coalescer.noteChange(now: time(1_000)) == .emitNow)
        #expect(coalescer.noteChange(now: time(1_250)) == .emitNow)
        #expect(coalescer.noteChange(now: time(5_000)) == .emitNow)
    }

    @Test func neverMoreThanFourAnnouncementsPerSecond() {
        var coalescer = RateCoalescer(minimumInterval: .milliseconds(250))
        var emissions: [Int64] = []
        var timer: RelayTime?
        for ms in stride(from: Int64(0), to: 10_000, by: 7) {
            if let deadline = timer, ms >= deadline.millisecondsSinceEpoch {
                if coalescer.deadlineReached(now: time(ms)) { emissions.append(ms) }
                timer = nil
            }
            switch coalescer.noteChange(now: time(ms)) {
            case .emitNow: emissions.append(ms)
            case let .emitAt(deadline): timer = deadline
            case .alreadyScheduled: break
            }
        }
        for (earlier, later) in zip(emissions, emissions.dropFirst()) {
            #expect(later - earlier >= 250)
        }
        #expect(emissions.count >= 36 && emissions.count <= 40)
    }
}

@Suite struct SessionPresenceTests {
    @Test func presenterComingOnlineIsToldToViewersAtOnce() {
        var presence = SessionPresence()
        let update = presence.presenterJoined(now: time(0))
        #expect(update.presence == PresenceState(presenter: true, viewers: 0))
        #expect(update.viewerCount == nil)
        #expect(presence.presenterJoined(now: time(1)) == SessionPresence.PresenceUpdate(), "a second presenter changes nothing")
        #expect(presence.current == PresenceState(presenter: true, viewers: 0))
    }

    @Test func viewerCountChangesReachViewersAndPresentersCoalesced() {
        var presence = SessionPresence()
        _ = presence.presenterJoined(now: time(0))
        // The first change after a quiet second goes at once.
        let first = presence.viewersChanged(by: 1, now: time(1_000))
        #expect(first.presence == PresenceState(presenter: true, viewers: 1))
        #expect(first.viewerCount == 1)
        // A burst inside the interval: one timer, the latest value at its end.
        let second = presence.viewersChanged(by: 1, now: time(1_050))
        #expect(second.presence == nil && second.viewerCount == nil)
        #expect(second.wakeUpAt == time(1_250))
        let third = presence.viewersChanged(by: 5, now: time(1_100))
        #expect(third == SessionPresence.PresenceUpdate())
        let fired = presence.deadlineReached(now: time(1_250))
        #expect(fired.presence == PresenceState(presenter: true, viewers: 7))
        #expect(fired.viewerCount == 7)
        #expect(fired.wakeUpAt == nil)
    }

    @Test func joinAndLeaveInsideOneIntervalAnnounceNothing() {
        var presence = SessionPresence()
        _ = presence.viewersChanged(by: 1, now: time(0))
        _ = presence.viewersChanged(by: 1, now: time(10))
        _ = presence.viewersChanged(by: -1, now: time(20))
        let fired = presence.deadlineReached(now: time(250))
        #expect(fired.presence == nil)
        #expect(fired.viewerCount == nil)
    }

    @Test func presenterGoingOfflineIsAnnounced() {
        var presence = SessionPresence()
        _ = presence.presenterJoined(now: time(0))
        let left = presence.presenterLeft(now: time(10_000))
        #expect(left.presence == PresenceState(presenter: false, viewers: 0))
        #expect(presence.announcedPresence == PresenceState(presenter: false, viewers: 0))
    }

    @Test func earlyTimerAsksToBeWokenAgain() {
        var presence = SessionPresence()
        _ = presence.viewersChanged(by: 1, now: time(0))
        let scheduled = presence.viewersChanged(by: 1, now: time(100))
        #expect(scheduled.wakeUpAt == time(250))
        let early = presence.deadlineReached(now: time(240))
        #expect(early.presence == nil)
        #expect(early.wakeUpAt == time(250))
    }

    @Test func largeAudiencesHearPresenceLessOftenWhilePresentersKeepTheBaseInterval() {
        var presence = SessionPresence()
        #expect(presence.presenceInterval(viewers: 1_000) == .milliseconds(250))
        #expect(presence.presenceInterval(viewers: 20_000) == .seconds(2))
        #expect(presence.presenceInterval(viewers: 1_000_000) == .seconds(5))
        _ = presence.presenterJoined(now: time(0))
        let crowd = presence.viewersChanged(by: 19_999, now: time(10_000))
        #expect(crowd.presence == PresenceState(presenter: true, viewers: 19_999), "after a quiet spell: at once")
        // The next change is within the interval: viewers wait 2 s, presenters only 250 ms.
        let next = presence.viewersChanged(by: 1, now: time(10_010))
        #expect(next.presence == nil && next.viewerCount == nil)
        #expect(next.wakeUpAt == time(10_250))
        let presenters = presence.deadlineReached(now: time(10_250))
        #expect(presenters.viewerCount == 20_000)
        #expect(presenters.presence == nil)
        #expect(presenters.wakeUpAt == time(12_000))
        let viewers = presence.deadlineReached(now: time(12_000))
        #expect(viewers.presence == PresenceState(presenter: true, viewers: 20_000))
    }
}
