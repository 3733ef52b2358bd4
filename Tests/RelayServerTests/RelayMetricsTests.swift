import NIOCore
import NIOPosix
import Relay
import Testing
import WebSocket

@testable import RelayServer

/// What `RelayMetrics` counts and how it labels it, without sockets. Each test runs on the loop
/// the metrics belong to, as the relay does.
@Suite struct RelayMetricsTests {
    static func onLoop(_ body: @escaping @Sendable (RelayMetrics) -> Void) throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let metrics = RelayMetrics(loop: loop)
        try loop.submit { body(metrics) }.wait()
    }

    static func samples(_ metrics: RelayMetrics) -> [String: Double] {
        MetricsEndpointTests.samples(metrics.exposition(history: .init(), process: nil))
    }

    @Test func fanoutLatencyIsObservedOncePerEventAndOnlyWhenADrainWroteToAViewer() throws {
        try Self.onLoop { metrics in
            let probe = FanoutLatencyProbe()
            probe.eventArrived()
            probe.eventArrived()
            var wrote = SessionFanout.DrainReport()
            wrote.viewersWritten = 3
            wrote.framesWritten = 6
            wrote.bytesWritten = 120
            metrics.drained(wrote, probe: probe)
            metrics.drained(wrote, probe: probe)  // nothing new arrived: no observation
            probe.eventArrived()
            metrics.drained(SessionFanout.DrainReport(), probe: probe)  // no viewer took it: dropped
            #expect(probe.arrivals.isEmpty)
            let samples = Self.samples(metrics)
            #expect(samples["share_relay_fanout_latency_seconds_count"] == 2)
            #expect(samples["share_relay_viewer_frames_sent_total"] == 12)
            #expect(samples["share_relay_viewer_sent_bytes_total"] == 240)
        }
    }

    @Test func closesAreCountedByRoleAndCodeWithNoneWhenNoCodeApplies() throws {
        try Self.onLoop { metrics in
            metrics.webSocketOpened(.viewer)
            metrics.webSocketOpened(.viewer)
            metrics.webSocketOpened(.presenter)
            metrics.webSocketClosed(.viewer, code: WebSocketCloseCode(rawValue: 4403))
            metrics.webSocketClosed(.presenter, code: nil)
            let samples = Self.samples(metrics)
            #expect(samples[#"share_relay_open_connections{role="viewer"}"#] == 1)
            #expect(samples[#"share_relay_open_connections{role="presenter"}"#] == 0)
            #expect(samples[#"share_relay_websocket_handshakes_total{role="viewer"}"#] == 2)
            #expect(samples[#"share_relay_connections_closed_total{role="viewer",code="4403"}"#] == 1)
            #expect(samples[#"share_relay_connections_closed_total{role="presenter",code="none"}"#] == 1)
        }
    }

    @Test func refusalReasonsFollowTheHTTPStatusOrTheAdmissionCloseCode() {
        #expect(RelayMetrics.RefusalReason(httpStatus: .unauthorized) == .unauthorized)
        #expect(RelayMetrics.RefusalReason(httpStatus: .tooManyRequests) == .rateLimited)
        #expect(RelayMetrics.RefusalReason(httpStatus: .notFound) == .notFound)
        #expect(RelayMetrics.RefusalReason(admissionCode: .unknownShare) == .unknownShare)
        #expect(RelayMetrics.RefusalReason(admissionCode: .shareRevoked) == .revoked)
        #expect(RelayMetrics.RefusalReason(admissionCode: .shareExpired) == .expired)
        #expect(RelayMetrics.RefusalReason(admissionCode: .tooManyViewers) == .viewerLimit)
    }

    @Test func historySizeAndStoreLatencyAppearAsGivenAndObserved() throws {
        try Self.onLoop { metrics in
            metrics.storeOperation(.historyAppend, nanoseconds: 2_000_000)
            let text = metrics.exposition(history: .init(sessions: 2, events: 7, bytes: 700), process: nil)
            let samples = MetricsEndpointTests.samples(text)
            #expect(samples["share_relay_live_sessions"] == 2)
            #expect(samples["share_relay_history_events"] == 7)
            #expect(samples["share_relay_history_bytes"] == 700)
            #expect(samples[#"share_relay_store_latency_seconds_bucket{operation="history_append",le="0.001"}"#] == 0)
            #expect(samples[#"share_relay_store_latency_seconds_bucket{operation="history_append",le="0.0025"}"#] == 1)
            #expect(samples[#"share_relay_store_latency_seconds_sum{operation="history_append"}"#] == 0.002)
            #expect(!text.contains("process_"))  // no /proc: no process families
        }
    }
}
