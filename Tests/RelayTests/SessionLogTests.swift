import NIOCore
import Testing
@testable import Relay

@Suite struct SessionLogTests {
    func event(_ n: Int, size: Int = 0) -> ByteBuffer {
        let bare = #"{"n":\#(n),"p":""}"#
        let padding = String(repeating: "x", count: max(0, size - bare.utf8.count))
        return bytes(#"{"n":\#(n),"p":"\#(padding)"}"#)
    }

    @Test func sequenceNumbersStartAfterThePersistedLastSeqAndIncreaseByOne() {
        var log = SessionLog(lastSeq: 41, encoder: testEncoder)
        #expect(log.append(event(1), receivedAt: time(0)).seq == 42)
        #expect(log.append(event(2), receivedAt: time(0)).seq == 43)
        #expect(log.lastSeq == 43)
        #expect(log.firstRetainedSeq == 42)
    }

    @Test func severalPresentersShareOneStrictlyIncreasingSequence() {
        let fanout = makeFanout()
        var seqs: [UInt64] = []
        // Three presenters interleaving on the session's home loop.
        for round in 0..<50 {
            for presenter in 0..<3 where (round + presenter) % 2 == 0 || presenter == 0 {
                seqs.append(fanout.publish(bytes(#"{"from":\#(presenter)}"#), receivedAt: time(Int64(round))).seq)
            }
        }
        #expect(seqs == Array(1...UInt64(seqs.count)))
    }

    @Test func entryIsEncodedOnceWithDataAsASliceOfTheFrame() {
        var log = SessionLog(encoder: testEncoder)
        let data = bytes(#"{"text":"héllo"}"#)
        let entry = log.append(data, receivedAt: time(1_000))
        #expect(entry.frame.string.hasPrefix(plainFrameMarker))
        #expect(payload(of: entry.frame) == #"{"type":"event","seq":1,"time":"1970-01-01T00:00:01.000Z","data":{"text":"héllo"}}"#)
        #expect(entry.data == data)
        // Same storage as the frame: retained events cost one copy of their bytes.
        let frameStart = entry.frame.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let dataStart = entry.data.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(dataStart > frameStart && dataStart < frameStart + UInt(entry.frame.readableBytes))
        #expect(entry.compressedFrame == nil)
    }

    @Test func compressedFrameIsMadeOnlyWhenAskedFor() {
        var log = SessionLog(encoder: testEncoder)
        let entry = log.append(bytes("1"), receivedAt: time(0), compress: true)
        #expect(entry.compressedFrame?.string.hasPrefix(compressedFrameMarker) == true)
        #expect(entry.frame(compressed: true) == entry.compressedFrame)
        #expect(entry.frame(compressed: false) == entry.frame)
    }

    @Test func retentionByCountEvictsTheOldest() {
        var log = SessionLog(retention: HistoryRetention(maxEvents: 3, maxBytes: 1 << 20), encoder: testEncoder)
        for n in 1...5 { log.append(event(n), receivedAt: time(0)) }
        #expect(log.count == 3)
        #expect(log.firstRetainedSeq == 3)
        #expect(log.lastSeq == 5)
        #expect((0..<3).map { log[offset: $0].seq } == [3, 4, 5])
    }

    @Test func retentionByBytesCountsEventData() {
        var log = SessionLog(retention: HistoryRetention(maxEvents: 100, maxBytes: 250), encoder: testEncoder)
        for n in 1...10 { log.append(event(n, size: 100), receivedAt: time(0)) }
        #expect(log.count == 2)
        #expect(log.retainedBytes == 200)
        #expect(log.firstRetainedSeq == 9)
    }

    @Test func newestEventIsKeptEvenWhenLargerThanTheByteLimit() {
        var log = SessionLog(retention: HistoryRetention(maxEvents: 100, maxBytes: 50), encoder: testEncoder)
        log.append(event(1, size: 40), receivedAt: time(0))
        log.append(event(2, size: 80), receivedAt: time(0))
        #expect(log.count == 1)
        #expect(log.firstRetainedSeq == 2)
        #expect(log.retainedBytes == 80)
    }

    @Test func manyAppendsStayWithinRetention() {
        var log = SessionLog(retention: HistoryRetention(maxEvents: 1000, maxBytes: 1 << 30), encoder: testEncoder)
        for n in 1...5_000 { log.append(event(n), receivedAt: time(0)) }
        #expect(log.count == 1000)
        #expect(log.firstRetainedSeq == 4_001)
        #expect(log.entry(after: 4_500)?.seq == 4_501)
    }

    @Test func readAfterSeqWithoutGap() {
        var log = SessionLog(encoder: testEncoder)
        for n in 1...5 { log.append(event(n), receivedAt: time(0)) }
        let (gap, entries) = log.read(after: 2)
        #expect(gap == nil)
        #expect(entries.map(\.seq) == [3, 4, 5])
        #expect(log.read(after: 5).entries.isEmpty)
        #expect(log.read(after: 0).entries.count == 5)
    }

    @Test func readAfterSeqReportsTheGapRetentionLeft() {
        var log = SessionLog(retention: HistoryRetention(maxEvents: 3, maxBytes: 1 << 20), encoder: testEncoder)
        for n in 1...10 { log.append(event(n), receivedAt: time(0)) }
        let (gap, entries) = log.read(after: 4)
        #expect(gap == 5...7)
        #expect(entries.map(\.seq) == [8, 9, 10])
        #expect(log.read(after: 7).gap == nil)
        #expect(log.read(after: 0).gap == 1...7)
    }

    @Test func readAfterSeqBeyondTheLogIsCaughtUp() {
        var log = SessionLog(encoder: testEncoder)
        log.append(event(1), receivedAt: time(0))
        let (gap, entries) = log.read(after: 99)
        #expect(gap == nil)
        #expect(entries.isEmpty)
    }

    @Test func restoredLogReencodesTheTailAndContinuesNumbering() {
        let history = StoredHistory(
            events: [
                StoredEvent(sessionId: "abc123", seq: 7, time: time(1), data: bytes("[7]")),
                StoredEvent(sessionId: "abc123", seq: 8, time: time(2), data: bytes("[8]")),
            ],
            lastSeq: 8
        )
        var log = SessionLog(restoring: history, encoder: testEncoder)
        #expect(log.firstRetainedSeq == 7)
        #expect(payload(of: log[offset: 0].frame) == #"{"type":"event","seq":7,"time":"1970-01-01T00:00:00.001Z","data":[7]}"#)
        #expect(log.append(bytes("[9]"), receivedAt: time(3)).seq == 9)
        // A gap between the empty window and the last seq (tail lost) is reported to resumers.
        let empty = SessionLog(restoring: StoredHistory(events: [], lastSeq: 20), encoder: testEncoder)
        #expect(empty.lastSeq == 20)
        #expect(empty.read(after: 10).gap == 11...20)
    }

    @Test func lookupWorksWhenRestoredSequenceNumbersHaveHoles() {
        let seqs: [UInt64] = [3, 4, 9, 10, 15]
        let history = StoredHistory(
            events: seqs.map { StoredEvent(sessionId: "s", seq: $0, time: time(0), data: bytes("0")) },
            lastSeq: 15
        )
        let log = SessionLog(restoring: history, encoder: testEncoder)
        #expect(log.entry(after: 4)?.seq == 9)
        #expect(log.entry(after: 5)?.seq == 9)
        #expect(log.entry(after: 9)?.seq == 10)
        #expect(log.entry(after: 12)?.seq == 15)
        #expect(log.entry(after: 15) == nil)
        #expect(log.entry(after: 0)?.seq == 3)
    }

    @Test func replicaFollowsThePrimaryWithTheSameWindowAndSharedBytes() {
        var primary = SessionLog(retention: HistoryRetention(maxEvents: 3, maxBytes: 1 << 20), encoder: testEncoder)
        primary.append(event(1), receivedAt: time(0))
        var replica = primary.makeReplica()
        #expect(replica.role == .replica)
        for n in 2...6 {
            let entry = primary.append(event(n), receivedAt: time(0))
            let added = replica.appendReplica(entry)
            let addedTwice = replica.appendReplica(entry)
            #expect(added)
            #expect(!addedTwice, "a duplicate delivery is ignored")
        }
        #expect(replica.lastSeq == primary.lastSeq)
        #expect(replica.firstRetainedSeq == primary.firstRetainedSeq)
        let primaryFrame = primary[offset: 2].frame.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let replicaFrame = replica[offset: 2].frame.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(primaryFrame == replicaFrame)
    }
}
