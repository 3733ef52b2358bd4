import Foundation
import RelayConfiguration
import RelayServer
import ShareStore
import Testing

/// `GET /metrics` on a live relay: exact counts after a known workload, access control with the
/// metrics key, and the whole scrape read by an independent parser (Python's prometheus_client).
@Suite struct MetricsEndpointTests {
    static let metricsKey = "clw_metrics_MetricsMetricsMetricsMetrics12"

    /// One scrape on a fresh connection.
    static func scrape(
        _ relay: LiveRelay, method: String = "GET", authorization: String? = nil
    ) async throws -> RawResponse {
        let connection = try await TestHTTPConnection.connect(port: relay.port)
        var lines = ["\(method) /metrics HTTP/1.1", "Host: test"]
        if let authorization { lines.append("Authorization: \(authorization)") }
        try await connection.send(lines.joined(separator: "\r\n") + "\r\n\r\n")
        let response = try await connection.readResponse(isHeadResponse: method == "HEAD")
        await connection.close()
        return response
    }

    /// Sample lines keyed by `name{labels}` exactly as written.
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// Scrapes until `condition` holds (connections close asynchronously), at most 5 s.
    static func scrapeUntil(
        _ relay: LiveRelay, _ condition: ([String: Double]) -> Bool
    ) async throws -> [String: Double] {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            let response = try await scrape(relay)
            let current = samples(response.body)
            if condition(current) || ContinuousClock.now > deadline { return current }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func revoke(_ relay: LiveRelay, token: String) async throws -> RawResponse {
        let connection = try await TestHTTPConnection.connect(port: relay.port)
        try await connection.postRPC(
            #"{"jsonrpc":"2.0","id":1,"method":"session.revokeShare","params":{"share_token":"\#(token)"}}"#,
            headers: ["Content-Type: application/json", "Authorization: Bearer \(testOwnerKey)"]
        )
        let response = try await connection.readResponse()
        await connection.close()
        return response
    }

    @Test func scrapeCountsEventsFramesHandshakesRefusalsAndARevocationExactly() async throws {
        let relay = try await LiveRelay.start()
        let token = try await relay.share("metrics")
        let presenter = try await relay.presenter("metrics")
        var viewers: [Client] = []
        for _ in 0..<3 {
            let viewer = try await relay.viewer(token: token)
            #expect(try await viewer.nextJSON()["type"] as? String == "hello")
            viewers.append(viewer)
        }
        let events = (1...20).map { #"{"n":\#($0),"text":"line \#($0)"}"# }
        for event in events { presenter.send(event) }
        for viewer in viewers {
            var received = 0
            while received < events.count {
                if try await viewer.nextNonPresenceText().hasPrefix(#"{"type":"event""#) { received += 1 }
            }
        }
        // Refused: a well-formed unknown token (4401 after the lookup), a wrong owner key (401).
        let stranger = try await relay.viewer(token: "clw_share_" + String(repeating: "x", count: 32))
        #expect(try await stranger.closeCode().code == 4401)
        await #expect(throws: (any Error).self) {
            _ = try await relay.connect("/v1/sessions/metrics/publish", headers: [("Authorization", "Bearer clw_owner_wrongwrongwrongwrongwrongwrong12")])
        }

        let live = try await Self.scrapeUntil(relay) { $0[#"share_relay_open_connections{role="viewer"}"#] == 3 }
        #expect(live["share_relay_events_received_total"] == 20)
        #expect(live["share_relay_event_received_bytes_total"] == Double(events.reduce(0) { $0 + $1.utf8.count }))
        #expect(live["share_relay_viewer_frames_sent_total"].map { $0 >= 60 } == true)
        #expect(live["share_relay_viewer_sent_bytes_total"].map { $0 > Double(60 * 40) } == true)
        #expect(live[#"share_relay_open_connections{role="presenter"}"#] == 1)
        #expect(live["share_relay_live_sessions"] == 1)
        #expect(live["share_relay_history_events"] == 20)
        #expect(live["share_relay_history_bytes"] == Double(events.reduce(0) { $0 + $1.utf8.count }))
        #expect(live["share_relay_fanout_latency_seconds_count"] == 20)
        #expect(live[#"share_relay_fanout_latency_seconds_bucket{le="+Inf"}"#] == 20)
        // The first viewer and the unknown token go to the store; the other two viewers are admitted
        // from the share-lookup cache unless a revocation poll interval passed between them.
        let lookups = live[#"share_relay_store_latency_seconds_count{operation="share_lookup"}"#] ?? 0
        #expect((2...4).contains(Int(lookups)), "share lookups: \(lookups)")
        #expect(live[#"share_relay_store_latency_seconds_count{operation="history_load"}"#] == 1)

        #expect(try await Self.revoke(relay, token: token).status == 200)
        for viewer in viewers { #expect(try await viewer.closeCode().code == 4403) }
        presenter.connection.close()

        let after = try await Self.scrapeUntil(relay) {
            $0[#"share_relay_open_connections{role="viewer"}"#] == 0 && $0[#"share_relay_open_connections{role="presenter"}"#] == 0
                && $0[#"share_relay_open_connections{role="http"}"#] == 1 && $0["share_relay_live_sessions"] == 0
        }
        #expect(after[#"share_relay_open_connections{role="viewer"}"#] == 0)
        #expect(after[#"share_relay_open_connections{role="presenter"}"#] == 0)
        #expect(after[#"share_relay_open_connections{role="http"}"#] == 1)  // this scrape's
        #expect(after[#"share_relay_websocket_handshakes_total{role="viewer"}"#] == 4)
        #expect(after[#"share_relay_websocket_handshakes_total{role="presenter"}"#] == 1)
        #expect(after[#"share_relay_refusals_total{role="viewer",reason="unknown_share"}"#] == 1)
        #expect(after[#"share_relay_refusals_total{role="presenter",reason="unauthorized"}"#] == 1)
        #expect(after[#"share_relay_connections_closed_total{role="viewer",code="4403"}"#] == 3)
        #expect(after[#"share_relay_connections_closed_total{role="viewer",code="4401"}"#] == 1)
        #expect(after[#"share_relay_connections_closed_total{role="presenter",code="1000"}"#] == 1)
        #expect(after["share_relay_share_revocations_total"] == 1)
        #expect(after["share_relay_viewers_closed_by_revocation_total"] == 3)
        #expect(after["share_relay_viewers_closed_by_expiry_total"] == 0)
        #expect(after["share_relay_events_received_total"] == 20)
        #expect(after["share_relay_history_events"] == 0)
        #expect(after[#"share_relay_store_latency_seconds_count{operation="history_append"}"#].map { $0 >= 1 } == true)
        #expect(after["process_resident_memory_bytes"].map { $0 > 0 } == true)
        #expect(after["process_open_fds"].map { $0 > 0 } == true)
        await relay.stop()
    }

    @Test func viewersClosedByExpiryAreCounted() async throws {
        let relay = try await LiveRelay.start()
        // expiresAt has whole-second precision: 4 s leaves at least 3 s to connect on a busy machine.
        let share = try await relay.store.createShare(sessionID: SessionID("expiring")!, lifetime: .seconds(4))
        let viewer = try await relay.viewer(token: share.token.rawValue)
        #expect(try await viewer.nextJSON()["type"] as? String == "hello")
        #expect(try await viewer.closeCode(timeout: .seconds(6)).code == 4410)
        let after = try await Self.scrapeUntil(relay) { $0[#"share_relay_open_connections{role="viewer"}"#] == 0 }
        #expect(after["share_relay_viewers_closed_by_expiry_total"] == 1)
        #expect(after[#"share_relay_connections_closed_total{role="viewer",code="4410"}"#] == 1)
        #expect(after["share_relay_share_revocations_total"] == 0)
        await relay.stop()
    }

    @Test func metricsIsNotFoundWhenDisabled() async throws {
        let relay = try await LiveRelay.start(configure: { $0.metricsEnabled = false })
        let response = try await Self.scrape(relay)
        #expect(response.status == 404)
        #expect(!response.body.contains("share_relay"))
        await relay.stop()
    }

    @Test func scrapeAnswersTextFormat004AndRefusesOtherMethods() async throws {
        let relay = try await LiveRelay.start()
        let response = try await Self.scrape(relay)
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(response.body.contains("# TYPE share_relay_events_received_total counter\nshare_relay_events_received_total 0\n"))
        let head = try await Self.scrape(relay, method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty && Int(head.headers["content-length"] ?? "") ?? 0 > 0)
        let post = try await Self.scrape(relay, method: "POST")
        #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")
        await relay.stop()
    }

    @Test func bearerKeyIsRequiredAndOwnerKeysDoNotOpenMetrics() async throws {
        let relay = try await LiveRelay.start(configure: { $0.metricsBearerKey = Self.metricsKey })
        let missing = try await Self.scrape(relay)
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(!missing.body.contains("share_relay"))
        #expect(try await Self.scrape(relay, authorization: "Bearer \(testOwnerKey)").status == 401)
        #expect(try await Self.scrape(relay, authorization: "Bearer \(Self.metricsKey)x").status == 401)
        #expect(try await Self.scrape(relay, authorization: "Basic \(Self.metricsKey)").status == 401)
        let allowed = try await Self.scrape(relay, authorization: "Bearer \(Self.metricsKey)")
        #expect(allowed.status == 200)
        #expect(allowed.body.contains("share_relay_open_connections"))
        await relay.stop()
    }

    @Test func metricsKeyEqualToAnOwnerKeyIsRefusedAtStart() async throws {
        var configuration = RelayServerConfiguration(ownerKeys: [testOwnerKey], environment: [:])
        configuration.storage = FailingStorage()
        configuration.metricsBearerKey = testOwnerKey
        await #expect(throws: RelayServerError.invalidConfiguration("metricsBearerKey must differ from every owner key")) {
            _ = try await RelayServer().start(configuration)
        }
    }

    @Test func configurationFileMetricsSettingsReachTheServer() throws {
        var settings = RelayConfiguration()
        settings.metrics = MetricsSettings(enabled: false, bearerKey: Self.metricsKey)
        let configuration = try RelayServerConfiguration(settings)
        #expect(configuration.metricsEnabled == false)
        #expect(configuration.metricsBearerKey == Self.metricsKey)
        #expect(try RelayServerConfiguration(RelayConfiguration()).metricsEnabled)
    }

    @Test func wholeScrapeParsesWithPrometheusClient() async throws {
        // Probing starts a Python: not on the cooperative pool the other tests share.
        guard let python = await offPool({ LivePython.find(importing: "prometheus_client.parser") }) else {
            if LivePython.isRequired {
                Issue.record("Python with prometheus_client not found (SHARE_RELAY_TEST_PYTHON)")
            }
            return
        }
        let relay = try await LiveRelay.start()
        let token = try await relay.share("parsed")
        let presenter = try await relay.presenter("parsed")
        let viewer = try await relay.viewer(token: token)
        _ = try await viewer.nextJSON()
        for index in 1...3 { presenter.send(#"{"i":\#(index)}"#) }
        for _ in 1...3 { _ = try await viewer.nextNonPresenceText() }
        let text = try await Self.scrape(relay).body
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            families = {}
            for family in text_string_to_metric_families(sys.argv[1]):
                if family.name in families:
                    raise SystemExit("family twice: " + family.name)
                families[family.name] = {"type": family.type,
                    "samples": [[s.name, s.labels, s.value] for s in family.samples]}
            print(json.dumps(families))
            """
        let (status, output) = try await LivePython.run(python, script: script, arguments: [text])
        #expect(status == 0, "prometheus_client could not parse the scrape: \(output)")
        let families = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [String: Any]])
        let declared = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(families.count == declared.count)
        // prometheus_client names a counter family without its _total suffix.
        #expect(families["share_relay_events_received"]?["type"] as? String == "counter")
        let events = families["share_relay_events_received"]?["samples"] as? [[Any]]
        #expect(events?.first?[0] as? String == "share_relay_events_received_total" && events?.first?[2] as? Double == 3)
        #expect(families["share_relay_fanout_latency_seconds"]?["type"] as? String == "histogram")
        #expect(families["share_relay_store_latency_seconds"]?["type"] as? String == "histogram")
        #expect(families["share_relay_open_connections"]?["type"] as? String == "gauge")
        #expect(families["process_cpu_seconds"]?["type"] as? String == "counter")
        for name in ["process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_start_time_seconds"] {
            #expect(families[name]?["type"] as? String == "gauge", "\(name)")
        }
        let histogram = families["share_relay_fanout_latency_seconds"]?["samples"] as? [[Any]] ?? []
        let infinity = histogram.first { ($0[1] as? [String: String])?["le"] == "+Inf" }
        #expect(infinity?[2] as? Double == 3)
        await relay.stop()
    }
}
