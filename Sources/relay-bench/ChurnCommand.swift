import ArgumentParser
import NIOCore

/// Viewers connecting and leaving continuously while a presenter streams.
struct ChurnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churn",
        abstract: "Viewers join and leave continuously while a presenter streams; errors and latency."
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Viewers alive at a time.") var viewers = 100
    @Option(help: "Events per second.") var rate = 100
    @Option(help: "Event size in bytes.") var size = 256
    @Option(help: "Streaming time in seconds.") var duration = 5.0
    @Option(help: "Shortest viewer life in milliseconds.") var minLifeMs = 200
    @Option(help: "Longest viewer life in milliseconds.") var maxLifeMs = 1000

    func validate() throws {
        guard viewers >= 1, rate >= 1, size >= 48, duration > 0, duration <= 3600, minLifeMs >= 1, maxLifeMs >= minLifeMs else {
            throw ValidationError("need viewers >= 1, rate >= 1, size >= 48, 0 < duration <= 3600, 1 <= min-life-ms <= max-life-ms")
        }
    }

    func run() async throws {
        let run = try BenchRun(options: common)
        defer { Task { await run.fleet.shutdown() } }
        let presenter = try await run.connectPresenter()
        let usage = ServerUsage(pid: common.relayPid)
        let start = MonotonicClock.now()
        let end = start + UInt64(duration * 1e9)
        presenter.publish(rate: rate, size: size, duration: duration)

        // Each slot keeps one viewer alive: when its life ends it closes and a new one starts.
        var slots: [(viewer: ViewerEndpoint, dies: UInt64)] = []
        var started = 0
        var notReady = 0
        func spawn() throws -> (ViewerEndpoint, UInt64) {
            started += 1
            let since = common.protocol == .relay ? presenter.baseSeq + presenter.sentCount.load(ordering: .relaxed) : nil
            let viewer = try run.fleet.startViewer(token: run.token, since: since)
            return (viewer, MonotonicClock.now() + UInt64(Int.random(in: minLifeMs...maxLifeMs)) * 1_000_000)
        }
        for _ in 0..<viewers { slots.append(try spawn()) }
        while MonotonicClock.now() < end {
            await Poll.sleep(seconds: 0.01)
            let now = MonotonicClock.now()
            for i in slots.indices where slots[i].dies <= now {
                let box = EndpointBox(endpoint: slots[i].viewer)
                slots[i].viewer.stats.loop.execute { box.endpoint.close() }
                if now < end { slots[i] = try spawn() }
            }
        }
        _ = try? await presenter.finished.futureResult.get()
        await Poll.sleep(seconds: 0.5)
        for slot in slots {
            if (try? await slot.viewer.ready.futureResult.get()) == nil { notReady += 1 }
        }
        let elapsed = Double(MonotonicClock.now() - start) / 1e9
        let result = try await run.fleet.snapshot()

        var report = BenchReport(scenario: "churn", options: common)
        report.add("viewers", viewers)
        report.add("rate", rate)
        report.add("size", size)
        report.add("duration_s", duration)
        report.add("viewers_started", started)
        report.add("connect_failures", result.connectFailures)
        report.add("not_ready_at_end", notReady)
        let unexpected = result.closeCodes.filter { $0.key != 1000 && $0.key != 1005 }.values.reduce(0, +)
        report.add("unexpected_close_codes", unexpected)
        report.add("sequence_holes", result.sequenceHoles)
        report.add("out_of_order", result.outOfOrder)
        report.add("gap_messages", result.gapMessages)
        report.add("delivered", result.delivered)
        report.add("delivered_per_s", Double(result.delivered) / elapsed, digits: 0)
        report.addLatency("latency", result.latency)
        report.addServerUsage(usage, deliveries: result.delivered)
        report.emit(common)
        presenter.close()
        await run.fleet.closeAll(timeout: 5)
        if result.connectFailures + unexpected + result.sequenceHoles + result.outOfOrder > 0 { throw ExitCode(2) }
    }
}
