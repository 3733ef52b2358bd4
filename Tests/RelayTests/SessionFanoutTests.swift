import NIOCore
import Testing
@testable import Relay

@Suite struct SessionFanoutTests {
    @Test func viewerGetsHelloThenHistoryThenLiveEvents() {
        let requests = DrainRequests()
        let fanout = makeFanout(requests: requests)
        fanout.publish(bytes(#"{"a":1}"#), receivedAt: time(0))
        fanout.publish(bytes(#"{"a":2}"#), receivedAt: time(0))
        let viewer = FakeViewer()
        fanout.addViewer(viewer, expiresAt: nil, resumeAfter: nil, presence: PresenceState(presenter: true, viewers: 1), now: time(0))
        #expect(payload(of: viewer.received[0]) == #"{"type":"hello","sessionId":"abc123","expiresAt":null,"seq":2,"presenter":true,"viewers":1}"#)
        #expect(requests.count == 1)
        fanout.drain(now: time(0))
        fanout.publish(bytes(#"{"a":3}"#), receivedAt: time(5))
        fanout.drain(now: time(5))
        #expect(viewer.types == ["hello", "event", "event", "event"])
        #expect(viewer.eventSeqs == [1, 2, 3])
        #expect(payload(of: viewer.received[3]) == #"{"type":"event","seq":3,"time":"1970-01-01T00:00:00.005Z","data":{"a":3}}"#)
    }

    @Test func publishingWithoutWritableViewersRequestsNoDrain() {
        let requests = DrainRequests()
        let fanout = makeFanout(requests: requests)
        fanout.publish(bytes("1"), receivedAt: time(0))
        #expect(requests.count == 0)
        #expect(!fanout.needsDrain)
    }

    @Test func eventsOfOneIterationReachEachViewerInOneFlush() {
        let requests = DrainRequests()
        let fanout = makeFanout(requests: requests)
        let viewers = (0..<3).map { FakeViewer("v\($0)") }
        for viewer in viewers {
            fanout.addViewer(viewer, expiresAt: nil, resumeAfter: nil, now: time(0))
        }
        let flushesAfterHello = viewers.map(\.flushCount)
        for n in 1...10 {
            fanout.publish(bytes("[\(n)]"), receivedAt: time(0))
        }
        #expect(requests.count == 1, "one drain request per iteration, not per event")
        let report = fanout.drain(now: time(0))
        #expect(report.viewersWritten == 3)
        #expect(report.framesWritten == 30)
        for (viewer, before) in zip(viewers, flushesAfterHello) {
            #expect(viewer.flushCount == before + 1)
            #expect(viewer.eventSeqs == Array(1...10))
        }
        // Every viewer got the very same frame storage.
        let starts = viewers.map { $0.received[1].withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } }
        #expect(Set(starts).count == 1)
    }

    @Test func slowViewerCatchesUpFromHistoryWhileFastViewerStaysLive() {
        let requests = DrainRequests()
        let fanout = makeFanout(requests: requests)
        let fast = FakeViewer("fast")
        let slow = FakeViewer("slow", capacity: 300)
        fanout.addViewer(fast, expiresAt: nil, resumeAfter: nil, now: time(0))
        let slowToken = fanout.addViewer(slow, expiresAt: nil, resumeAfter: nil, now: time(0))
        slow.readAll()
        // Like NIO: crossing the high watermark fires a writability change from inside write().
        slow.afterWrite = { viewer in
            if viewer.buffered >= viewer.capacity { fanout.setWritable(slowToken, false, now: time(0)) }
        }

        var published: UInt64 = 0
        for iteration in 0..<40 {
            for _ in 0..<5 {
                published = fanout.publish(bytes(#"{"i":\#(iteration),"pad":"0123456789"}"#), receivedAt: time(Int64(iteration))).seq
            }
            fanout.drain(now: time(Int64(iteration)))
            fast.readAll()
            #expect(fast.eventSeqs.last == published, "the fast viewer is live after every iteration")
            // The slow client reads only every 10th iteration.
            if iteration % 10 == 9 {
                let writesBefore = slow.writeCount
                slow.readAll()
                fanout.setWritable(slowToken, true, now: time(Int64(iteration)))
                fanout.drain(now: time(Int64(iteration)))
                #expect(slow.writeCount > writesBefore)
            }
        }
        #expect(fast.eventSeqs == Array(1...published))
        // Let the slow client drain completely: it catches up without loss or duplicates.
        var rounds = 0
        while fanout.cursor(slowToken)!.deliveredSeq < published, rounds < 200 {
            slow.readAll()
            fanout.setWritable(slowToken, true, now: time(100))
            fanout.drain(now: time(100))
            rounds += 1
        }
        #expect(slow.eventSeqs == Array(1...published))
        #expect(!slow.types.contains("gap"))
    }

    @Test func unwritableViewerIsNotVisitedAndCostsNoWrites() {
        let fanout = makeFanout()
        let viewer = FakeViewer()
        let token = fanout.addViewer(viewer, expiresAt: nil, resumeAfter: nil, now: time(0))
        fanout.setWritable(token, false, now: time(0))
        let writes = viewer.writeCount
        for n in 1...100 { fanout.publish(bytes("[\(n)]"), receivedAt: time(0)) }
        fanout.drain(now: time(0))
        #expect(viewer.writeCount == writes)
        fanout.setWritable(token, true, now: time(1))
        #expect(fanout.needsDrain)
        fanout.drain(now: time(1))
        #expect(viewer.eventSeqs == Array(1...100))
    }

    @Test func viewerThatFellBehindRetentionGetsGapAndContinues() {
        let fanout = makeFanout(retention: HistoryRetention(maxEvents: 5, maxBytes: 1 << 20))
        let viewer = FakeViewer()
        let token = fanout.addViewer(viewer, expiresAt: nil, resumeAfter: nil, now: time(0))
        fanout.publish(bytes("[1]"), receivedAt: time(0))
        fanout.drain(now: time(0))
        fanout.setWritable(token, false, now: time(0))
        for n in 2...20 { fanout.publish(bytes("[\(n)]"), receivedAt: time(0)) }
        fanout.setWritable(token, true, now: time(0))
        fanout.drain(now: time(0))
        fanout.publish(bytes("[21]"), receivedAt: time(0))
        fanout.drain(now: time(0))
        #expect(viewer.types == ["hello", "event", "gap", "event", "event", "event", "event", "event", "event"])
        #expect(viewer.messages[2]["from"] as? Int == 2)
        #expect(viewer.messages[2]["to"] as? Int == 15)
        #expect(viewer.eventSeqs == [1, 16, 17, 18, 19, 20, 21])
    }

    @Test func resumeWithAndWithoutGap() {
        let fanout = makeFanout(retention: HistoryRetention(maxEvents: 5, maxBytes: 1 << 20))
        for n in 1...10 { fanout.publish(bytes("[\(n)]"), receivedAt: time(0)) }
        let withoutGap = FakeViewer()
        let withGap = FakeViewer()
        fanout.addViewer(withoutGap, expiresAt: nil, resumeAfter: 7, now: time(0))
        fanout.addViewer(withGap, expiresAt: nil, resumeAfter: 3, now: time(0))
        fanout.drain(now: time(0))
        #expect(withoutGap.types == ["hello", "event", "event", "event"])
        #expect(withoutGap.eventSeqs == [8, 9, 10])
        #expect(withGap.types == ["hello", "gap", "event", "event", "event", "event", "event"])
        #expect(payload(of: withGap.received[1]) == #"{"type":"gap","from":4,"to":5}"#)
        #expect(withGap.eventSeqs == [6, 7, 8, 9, 10])
    }

    @Test func perDrainBudgetLeavesBacklogAndRequestsAnotherDrain() {
        let requests = DrainRequests()
        let fanout = makeFanout(requests: requests)
        for n in 1...50 { fanout.publish(bytes("[\(n)]"), receivedAt: time(0)) }
        let viewer = FakeViewer(capacity: 200)
        fanout.addViewer(viewer, expiresAt: nil, resumeAfter: nil, now: time(0))
        let report = fanout.drain(now: time(0))
        #expect(report.viewersStillBehind == 1)
        #expect(fanout.needsDrain)
        #expect(requests.count == 2)
        var rounds = 0
        while fanout.needsDrain, rounds < 100 {
            viewer.readAll()
            fanout.drain(now: time(0))
            rounds += 1
        }
        #expect(viewer.eventSeqs == Array(1...50))
    }

    @Test func viewerRemovedDuringItsOwnWriteIsHandledSafely() {
        let fanout = makeFanout()
        let doomed = FakeViewer("doomed")
        let other = FakeViewer("other")
        let doomedToken = fanout.addViewer(doomed, expiresAt: nil, resumeAfter: nil, now: time(0))
        fanout.addViewer(other, expiresAt: nil, resumeAfter: nil, now: time(0))
        doomed.afterWrite = { _ in fanout.removeViewer(doomedToken) }
        for n in 1...3 { fanout.publish(bytes("[\(n)]"), receivedAt: time(0)) }
        fanout.drain(now: time(0))
        #expect(fanout.viewerCount == 1)
        #expect(other.eventSeqs == [1, 2, 3])
        #expect(fanout.viewer(doomedToken) == nil)
        // The freed slot is reused; the stale token stays stale.
        let newcomer = FakeViewer("newcomer")
        let newToken = fanout.addViewer(newcomer, expiresAt: nil, resumeAfter: 3, now: time(0))
        #expect(newToken != doomedToken)
        #expect(fanout.removeViewer(doomedToken) == nil)
        fanout.setWritable(doomedToken, false, now: time(0))
        #expect(fanout.viewer(newToken) === newcomer as AnyObject)
    }

    @Test func stalledViewersAreReportedAfterTheTimeout() {
        let fanout = makeFanout()
        let reading = FakeViewer("reading")
        let stuck = FakeViewer("stuck")
        fanout.addViewer(reading, expiresAt: nil, resumeAfter: nil, now: time(0))
        let stuckToken = fanout.addViewer(stuck, expiresAt: nil, resumeAfter: nil, now: time(0))
        fanout.setWritable(stuckToken, false, now: time(0))
        fanout.publish(bytes("[1]"), receivedAt: time(1_000))
        fanout.drain(now: time(1_000))
        #expect(fanout.stalledViewers(now: time(60_999), timeout: .seconds(60)).isEmpty)
        let stalled = fanout.stalledViewers(now: time(61_000), timeout: .seconds(60))
        #expect(stalled.map(\.token) == [stuckToken])
        #expect(stalled.first?.viewer === stuck as AnyObject)
    }

    @Test func presenceReachesEachViewerOnceAndLateReadersOnlyTheLatest() {
        let fanout = makeFanout(presence: PresenceState(presenter: true, viewers: 2))
        let live = FakeViewer("live")
        let parked = FakeViewer("parked")
        fanout.addViewer(live, expiresAt: nil, resumeAfter: nil, now: time(0))
        let parkedToken = fanout.addViewer(parked, expiresAt: nil, resumeAfter: nil, now: time(0))
        fanout.drain(now: time(0))
        #expect(live.types == ["hello"], "the hello already told the current presence")
        fanout.setWritable(parkedToken, false, now: time(0))
        fanout.setPresence(PresenceState(presenter: false, viewers: 2))
        fanout.drain(now: time(0))
        fanout.setPresence(PresenceState(presenter: false, viewers: 3))
        fanout.drain(now: time(0))
        fanout.setPresence(PresenceState(presenter: false, viewers: 3))
        #expect(!fanout.needsDrain, "an unchanged presence is not resent")
        #expect(live.types == ["hello", "presence", "presence"])
        #expect(payload(of: live.received[2]) == #"{"type":"presence","presenter":false,"viewers":3}"#)
        fanout.setWritable(parkedToken, true, now: time(0))
        fanout.drain(now: time(0))
        #expect(parked.types == ["hello", "presence"])
        #expect(payload(of: parked.received[1]) == #"{"type":"presence","presenter":false,"viewers":3}"#)
    }

    @Test func compressedFramesGoOnlyToViewersThatAcceptThem() {
        let fanout = makeFanout()
        let plain = FakeViewer("plain")
        let deflate = FakeViewer("deflate")
        fanout.addViewer(plain, expiresAt: nil, resumeAfter: nil, now: time(0))
        let deflateToken = fanout.addViewer(deflate, expiresAt: nil, resumeAfter: nil, acceptsCompressedFrames: true, now: time(0))
        #expect(fanout.compressedViewerCount == 1)
        fanout.publish(bytes("[1]"), receivedAt: time(0))
        fanout.drain(now: time(0))
        #expect(plain.received.last!.string.hasPrefix(plainFrameMarker))
        #expect(deflate.received.last!.string.hasPrefix(compressedFrameMarker))
        fanout.removeViewer(deflateToken)
        #expect(fanout.publish(bytes("[2]"), receivedAt: time(0)).compressedFrame == nil, "no compression without takers")
    }

    @Test func replicaOnAnotherLoopDeliversTheForwardedEntries() {
        let home = makeFanout()
        let replica = SessionFanout(
            sessionId: "abc123",
            log: home.log.makeReplica(),
            presence: home.presence,
            requestDrain: {}
        )
        let viewer = FakeViewer()
        replica.addViewer(viewer, expiresAt: nil, resumeAfter: nil, now: time(0))
        for n in 1...4 {
            replica.publishReplica(home.publish(bytes("[\(n)]"), receivedAt: time(0)))
        }
        replica.drain(now: time(0))
        #expect(viewer.eventSeqs == [1, 2, 3, 4])
        #expect(replica.log.lastSeq == home.log.lastSeq)
    }

    @Test func forEachViewerVisitsEveryViewerForShutdown() {
        let fanout = makeFanout()
        let viewers = (0..<5).map { FakeViewer("v\($0)") }
        let tokens = viewers.map { fanout.addViewer($0, expiresAt: nil, resumeAfter: nil, now: time(0)) }
        fanout.removeViewer(tokens[2])
        var seen: [String] = []
        fanout.forEachViewer { _, viewer in seen.append((viewer as! FakeViewer).name) }
        #expect(seen.sorted() == ["v0", "v1", "v3", "v4"])
        #expect(fanout.viewerCount == 4)
    }

    // MARK: Shared tails

    @Test func framesOwedToCaughtUpViewersGoOutAsOneSharedWrite() {
        let fanout = makeFanout()
        let viewers = (0..<3).map { FakeViewer("v\($0)") }
        for viewer in viewers {
            fanout.addViewer(viewer, expiresAt: nil, resumeAfter: nil, now: time(0))
        }
        let writesAfterHello = viewers.map(\.writeCount)
        for n in 1...5 {
            fanout.publish(bytes("[\(n)]"), receivedAt: time(0))
        }
        let report = fanout.drain(now: time(0))
        #expect(report.framesWritten == 15, "frames are counted, not writes")
        for (viewer, before) in zip(viewers, writesAfterHello) {
            #expect(viewer.writeCount == before + 1, "one write carries all five frames")
            #expect(viewer.eventSeqs == [1, 2, 3, 4, 5])
            #expect(fanout.cursor(ViewerToken(slot: Int32(viewers.firstIndex { $0 === viewer }!), generation: 0))?.deliveredSeq == 5)
        }
        // The concatenation is built once and shared: every viewer's write starts at the same bytes.
        let starts = viewers.map { $0.received[1].withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } }
        #expect(Set(starts).count == 1)
        // Nothing more owed: the next drain writes nothing.
        #expect(fanout.drain(now: time(0)).framesWritten == 0)
    }

    @Test func aSingleOwedFrameIsWrittenAsItIsWithoutCopying() {
        let fanout = makeFanout()
        let viewer = FakeViewer()
        fanout.addViewer(viewer, expiresAt: nil, resumeAfter: nil, now: time(0))
        let entry = fanout.publish(bytes("[1]"), receivedAt: time(0))
        fanout.drain(now: time(0))
        let written = viewer.received.last!
        #expect(written.withUnsafeReadableBytes { $0.baseAddress } == entry.frame.withUnsafeReadableBytes { $0.baseAddress })
    }

    @Test func viewerWhoseBudgetIsSmallerThanTheSharedTailGetsFramesOneByOne() {
        let fanout = makeFanout()
        let roomy = FakeViewer("roomy")
        fanout.addViewer(roomy, expiresAt: nil, resumeAfter: nil, now: time(0))
        let tight = FakeViewer("tight", capacity: 0)
        let tightToken = fanout.addViewer(tight, expiresAt: nil, resumeAfter: nil, now: time(0))
        for n in 1...4 {
            fanout.publish(bytes("[\(n)]"), receivedAt: time(0))
        }
        // Room for two frames (and a part of the third, which may overshoot), not for all four.
        tight.buffered = 0
        tight.capacity = 2 * fanout.log[offset: 0].frame.readableBytes
        let tightWrites = tight.writeCount
        fanout.drain(now: time(0))
        #expect(roomy.eventSeqs == [1, 2, 3, 4])
        #expect(tight.eventSeqs == [1, 2])
        #expect(tight.writeCount == tightWrites + 2, "fed frame by frame within its budget")
        #expect(fanout.cursor(tightToken)?.deliveredSeq == 2)
        tight.readAll()
        tight.capacity = .max / 2
        fanout.drain(now: time(0))
        #expect(tight.eventSeqs == [1, 2, 3, 4], "the rest follows (shared tail from its own position)")
    }

    @Test func plainAndCompressedViewersEachGetTheirOwnSharedTail() {
        let fanout = makeFanout()
        let plain = (0..<2).map { FakeViewer("plain\($0)") }
        let deflate = (0..<2).map { FakeViewer("deflate\($0)") }
        for viewer in plain { fanout.addViewer(viewer, expiresAt: nil, resumeAfter: nil, now: time(0)) }
        for viewer in deflate {
            fanout.addViewer(viewer, expiresAt: nil, resumeAfter: nil, acceptsCompressedFrames: true, now: time(0))
        }
        for n in 1...3 {
            fanout.publish(bytes("[\(n)]"), receivedAt: time(0))
        }
        fanout.drain(now: time(0))
        for viewer in plain {
            #expect(viewer.received.dropFirst().allSatisfy { $0.string.hasPrefix(plainFrameMarker) })
            #expect(viewer.eventSeqs == [1, 2, 3])
        }
        for viewer in deflate {
            #expect(viewer.received.dropFirst().allSatisfy { $0.string.hasPrefix(compressedFrameMarker) })
            #expect(viewer.eventSeqs == [1, 2, 3])
        }
    }

    @Test func viewersAtDifferentPositionsEachGetTheirRangeInOneWrite() {
        let fanout = makeFanout()
        let early = FakeViewer("early")
        fanout.addViewer(early, expiresAt: nil, resumeAfter: nil, now: time(0))
        fanout.publish(bytes("[1]"), receivedAt: time(0))
        fanout.publish(bytes("[2]"), receivedAt: time(0))
        fanout.drain(now: time(0))
        let late = FakeViewer("late")
        fanout.addViewer(late, expiresAt: nil, resumeAfter: 0, now: time(0))  // wants 1...
        let earlyWrites = early.writeCount
        let lateWrites = late.writeCount
        for n in 3...5 {
            fanout.publish(bytes("[\(n)]"), receivedAt: time(0))
        }
        fanout.drain(now: time(0))
        #expect(early.eventSeqs == [1, 2, 3, 4, 5])
        #expect(late.eventSeqs == [1, 2, 3, 4, 5])
        #expect(early.writeCount == earlyWrites + 1)
        #expect(late.writeCount == lateWrites + 1)
    }

    @Test func viewerBehindRetentionGetsItsGapThenTheEvents() {
        let fanout = makeFanout(retention: HistoryRetention(maxEvents: 3, maxBytes: 1 << 20))
        let viewer = FakeViewer()
        fanout.addViewer(viewer, expiresAt: nil, resumeAfter: nil, now: time(0))
        fanout.setWritable(ViewerToken(slot: 0, generation: 0), false, now: time(0))
        for n in 1...6 {
            fanout.publish(bytes("[\(n)]"), receivedAt: time(0))
        }
        fanout.setWritable(ViewerToken(slot: 0, generation: 0), true, now: time(0))
        fanout.drain(now: time(0))
        #expect(viewer.types == ["hello", "gap", "event", "event", "event"])
        #expect(viewer.eventSeqs == [4, 5, 6])
    }
}
