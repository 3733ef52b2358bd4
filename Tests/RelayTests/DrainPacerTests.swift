import NIOCore
import Testing
@testable import Relay

@Suite struct DrainPacerTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    private static func report(viewers: Int, frames: Int) -> SessionFanout.DrainReport {
        var report = SessionFanout.DrainReport()
        report.viewersWritten = viewers
        report.framesWritten = frames
        return report
    }

    @Test func firstDrainRunsAtTheEndOfTheIteration() {
        let pacer = DrainPacer(interval: .milliseconds(4), minimumViewers: 100)
        #expect(pacer.nextDrain(now: start, viewers: 5_000) == .endOfIteration)
    }

    @Test func largeSessionDrainingOftenWaitsForTheIntervalSinceTheLastDrainStarted() {
        var pacer = DrainPacer(interval: .milliseconds(4), minimumViewers: 100)
        pacer.drainStarted(at: start)
        #expect(pacer.nextDrain(now: start + .milliseconds(1), viewers: 100) == .at(start + .milliseconds(4)))
        #expect(pacer.nextDrain(now: start + .microseconds(3_999), viewers: 1_000) == .at(start + .milliseconds(4)))
    }

    @Test func largeSessionWhoseLastDrainIsOlderThanTheIntervalDrainsAtOnce() {
        var pacer = DrainPacer(interval: .milliseconds(4), minimumViewers: 100)
        pacer.drainStarted(at: start)
        #expect(pacer.nextDrain(now: start + .milliseconds(4), viewers: 1_000) == .endOfIteration)
        #expect(pacer.nextDrain(now: start + .milliseconds(10), viewers: 1_000) == .endOfIteration)
    }

    @Test func smallSessionIsNeverDelayed() {
        var pacer = DrainPacer(interval: .milliseconds(4), minimumViewers: 100)
        pacer.drainStarted(at: start)
        #expect(pacer.nextDrain(now: start + .microseconds(10), viewers: 99) == .endOfIteration)
    }

    @Test func afterALongDrainTheSessionRestsForItsIdlePercentOfTheDrain() {
        var pacer = DrainPacer(interval: .milliseconds(4), idlePercent: 100, minimumViewers: 100)
        pacer.drainStarted(at: start)
        pacer.drainEnded(at: start + .milliseconds(10), report: Self.report(viewers: 1_000, frames: 3_000))
        #expect(pacer.nextDrain(now: start + .milliseconds(10), viewers: 1_000) == .at(start + .milliseconds(20)))
        #expect(pacer.nextDrain(now: start + .milliseconds(20), viewers: 1_000) == .endOfIteration)

        var longer = DrainPacer(interval: .milliseconds(4), idlePercent: 150, minimumViewers: 100)
        longer.drainStarted(at: start)
        longer.drainEnded(at: start + .milliseconds(10), report: Self.report(viewers: 1_000, frames: 3_000))
        #expect(longer.nextDrain(now: start + .milliseconds(11), viewers: 1_000) == .at(start + .milliseconds(25)))
    }

    @Test func theRestIsCappedSoVeryLargeSessionsKeepTheirLatencyBounded() {
        var pacer = DrainPacer(interval: .milliseconds(4), idlePercent: 150, maximumRest: .milliseconds(50), minimumViewers: 100)
        pacer.drainStarted(at: start)
        pacer.drainEnded(at: start + .milliseconds(100), report: Self.report(viewers: 1_000, frames: 3_000))
        #expect(pacer.nextDrain(now: start + .milliseconds(100), viewers: 50_000) == .at(start + .milliseconds(150)))
    }

    @Test func aShortDrainWaitsOnlyForTheInterval() {
        var pacer = DrainPacer(interval: .milliseconds(4), idlePercent: 100, minimumViewers: 100)
        pacer.drainStarted(at: start)
        pacer.drainEnded(at: start + .milliseconds(1), report: Self.report(viewers: 1_000, frames: 3_000))
        #expect(pacer.nextDrain(now: start + .milliseconds(1), viewers: 1_000) == .at(start + .milliseconds(4)))
    }

    @Test func zeroIntervalAndIdleFactorTurnPacingOff() {
        var pacer = DrainPacer(interval: .zero, idlePercent: 0, minimumViewers: 0)
        pacer.drainStarted(at: start)
        pacer.drainEnded(at: start + .milliseconds(50), report: Self.report(viewers: 1_000, frames: 3_000))
        #expect(pacer.nextDrain(now: start + .milliseconds(50), viewers: 10_000) == .endOfIteration)
    }

    @Test func aDrainThatCarriedOneFramePerViewerLeavesTheNextDrainUnpaced() {
        var pacer = DrainPacer(interval: .milliseconds(4), idlePercent: 150, minimumViewers: 100)
        pacer.drainStarted(at: start)
        pacer.drainEnded(at: start + .milliseconds(9), report: Self.report(viewers: 1_000, frames: 1_000))
        #expect(pacer.nextDrain(now: start + .milliseconds(10), viewers: 1_000) == .endOfIteration)
        // Until a drain carries several again.
        pacer.drainStarted(at: start + .milliseconds(10))
        pacer.drainEnded(at: start + .milliseconds(20), report: Self.report(viewers: 1_000, frames: 3_000))
        #expect(pacer.nextDrain(now: start + .milliseconds(21), viewers: 1_000) == .at(start + .milliseconds(35)))
    }

    @Test func aDrainCountsAsCarryingSeveralFromThreeFramesPerWrittenViewer() {
        func paced(viewers: Int, frames: Int) -> Bool {
            var pacer = DrainPacer(interval: .milliseconds(4), idlePercent: 150, minimumViewers: 100)
            pacer.drainStarted(at: start)
            pacer.drainEnded(at: start + .milliseconds(10), report: Self.report(viewers: viewers, frames: frames))
            return pacer.nextDrain(now: start + .milliseconds(10), viewers: 1_000) != .endOfIteration
        }
        #expect(paced(viewers: 1_000, frames: 3_000))
        #expect(!paced(viewers: 1_000, frames: 2_999))
        #expect(!paced(viewers: 0, frames: 0), "a drain that wrote nothing")
    }
}
