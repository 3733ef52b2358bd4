import NIOCore
import Testing
@testable import Relay

@Suite struct ViewerCursorTests {
    func log(events: Int, retention: HistoryRetention = HistoryRetention(), eventTime: Int64 = 0) -> SessionLog {
        var log = SessionLog(retention: retention, encoder: testEncoder)
        for n in 1...max(events, 1) where events > 0 {
            log.append(bytes("[\(n)]"), receivedAt: time(eventTime))
        }
        return log
    }

    func feedAll(_ cursor: inout ViewerCursor, _ log: SessionLog, budget: Int = .max, now: RelayTime = time(0)) -> [ByteBuffer] {
        var frames: [ByteBuffer] = []
        _ = cursor.feed(from: log, budget: budget, compressed: false, now: now) { frames.append($0) }
        return frames
    }

    @Test func newViewerWithoutSinceGetsRetainedHistoryWithoutGap() {
        let log = log(events: 10, retention: HistoryRetention(maxEvents: 4, maxBytes: 1 << 20))
        var cursor = ViewerCursor(joining: log, resumeAfter: nil, now: time(0))
        let frames = feedAll(&cursor, log)
        #expect(frames.map { json($0)["seq"] as? Int } == [7, 8, 9, 10])
        #expect(cursor.deliveredSeq == 10)
    }

    @Test func resumeSendsOnlyLaterEvents() {
        let log = log(events: 10)
        var cursor = ViewerCursor(joining: log, resumeAfter: 6, now: time(0))
        #expect(feedAll(&cursor, log).map { json($0)["seq"] as? Int } == [7, 8, 9, 10])
    }

    @Test func resumeBeforeRetentionSendsGapFirst() {
        let log = log(events: 10, retention: HistoryRetention(maxEvents: 4, maxBytes: 1 << 20))
        var cursor = ViewerCursor(joining: log, resumeAfter: 2, now: time(0))
        let frames = feedAll(&cursor, log)
        #expect(payload(of: frames[0]) == #"{"type":"gap","from":3,"to":6}"#)
        #expect(frames.dropFirst().map { json($0)["seq"] as? Int } == [7, 8, 9, 10])
    }

    @Test func resumeAtTheRetentionEdgeHasNoGap() {
        let log = log(events: 10, retention: HistoryRetention(maxEvents: 4, maxBytes: 1 << 20))
        var cursor = ViewerCursor(joining: log, resumeAfter: 6, now: time(0))
        #expect(feedAll(&cursor, log).map { json($0)["type"] as? String } == ["event", "event", "event", "event"])
    }

    @Test func resumeBeyondTheLastSeqWaitsForNewEvents() {
        var log = log(events: 3)
        var cursor = ViewerCursor(joining: log, resumeAfter: 100, now: time(0))
        #expect(feedAll(&cursor, log).isEmpty)
        log.append(bytes("[4]"), receivedAt: time(0))
        #expect(feedAll(&cursor, log).map { json($0)["seq"] as? Int } == [4])
    }

    @Test func tinyBudgetsDeliverOneFrameAtATimeInOrder() {
        let log = log(events: 20)
        var cursor = ViewerCursor(joining: log, resumeAfter: 0, now: time(0))
        var seqs: [Int] = []
        while cursor.isBehind(log) {
            let frames = feedAll(&cursor, log, budget: 1)
            #expect(frames.count == 1, "a budget smaller than a frame still moves one frame")
            seqs += frames.compactMap { json($0)["seq"] as? Int }
        }
        #expect(seqs == Array(1...20))
        #expect(feedAll(&cursor, log, budget: 1).isEmpty)
    }

    @Test func zeroBudgetWritesNothing() {
        let log = log(events: 3)
        var cursor = ViewerCursor(joining: log, resumeAfter: 0, now: time(0))
        #expect(feedAll(&cursor, log, budget: 0).isEmpty)
        #expect(cursor.deliveredSeq == 0)
    }

    @Test func budgetBoundsBytesExceptForTheLastFrame() {
        let log = log(events: 10)
        let frameSize = log[offset: 0].frame.readableBytes
        var cursor = ViewerCursor(joining: log, resumeAfter: 0, now: time(0))
        #expect(feedAll(&cursor, log, budget: frameSize * 3).count == 3)
        #expect(feedAll(&cursor, log, budget: frameSize * 3 + 1).count == 4)
        #expect(cursor.deliveredSeq == 7)
    }

    @Test func cursorThatFallsBehindRetentionWhileWaitingGetsAGap() {
        var log = log(events: 2, retention: HistoryRetention(maxEvents: 3, maxBytes: 1 << 20))
        var cursor = ViewerCursor(joining: log, resumeAfter: nil, now: time(0))
        _ = feedAll(&cursor, log)
        for n in 3...10 { log.append(bytes("[\(n)]"), receivedAt: time(0)) }
        let frames = feedAll(&cursor, log)
        #expect(payload(of: frames[0]) == #"{"type":"gap","from":3,"to":7}"#)
        #expect(frames.dropFirst().map { json($0)["seq"] as? Int } == [8, 9, 10])
    }

    @Test func caughtUpViewerOfAQuietSessionIsNeverStalled() {
        let log = log(events: 3)
        var cursor = ViewerCursor(joining: log, resumeAfter: nil, now: time(0))
        _ = feedAll(&cursor, log)
        #expect(!cursor.isStalled(in: log, now: time(3_600_000), timeout: .seconds(60)))
    }

    @Test func viewerBehindWithoutProgressIsStalledAfterTheTimeout() {
        var log = log(events: 3)
        var cursor = ViewerCursor(joining: log, resumeAfter: nil, now: time(0))
        _ = feedAll(&cursor, log, now: time(1_000))
        log.append(bytes("[4]"), receivedAt: time(10_000))
        #expect(!cursor.isStalled(in: log, now: time(69_999), timeout: .seconds(60)))
        #expect(cursor.isStalled(in: log, now: time(70_000), timeout: .seconds(60)))
        // Progress restarts the clock.
        _ = feedAll(&cursor, log, now: time(70_000))
        log.append(bytes("[5]"), receivedAt: time(70_001))
        #expect(!cursor.isStalled(in: log, now: time(129_999), timeout: .seconds(60)))
    }

    @Test func socketDrainingCountsAsProgress() {
        var log = log(events: 1)
        var cursor = ViewerCursor(joining: log, resumeAfter: nil, now: time(0))
        log.append(bytes("[2]"), receivedAt: time(0))
        cursor.noteProgress(now: time(50_000))
        #expect(!cursor.isStalled(in: log, now: time(100_000), timeout: .seconds(60)))
        #expect(cursor.isStalled(in: log, now: time(110_000), timeout: .seconds(60)))
    }
}
