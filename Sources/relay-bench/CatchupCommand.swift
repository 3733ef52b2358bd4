import ArgumentParser
import NIOCore

/// Some viewers stop reading for a while, then resume: every viewer must get every event, and the
/// paused ones report how long they took to catch up.
struct CatchupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catchup",
        abstract: "Viewers pause reading, then resume: all events delivered? how fast do they catch up?"
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Viewers in all.") var viewers = 100
    @Option(help: "How many of them pause.") var paused = 10
    @Option(help: "Events per second.") var rate = 200
    @Option(help: "Event size in bytes.") var size = 256
    @Option(help: "Publishing time in seconds.") var duration = 6.0
    @Option(help: "Seconds after the start when the paused viewers stop reading.") var pauseAt = 1.0
    @Option(help: "Seconds they stay paused.") var pauseFor = 2.0
    @Option(help: "Seconds to wait for stragglers after the last event.") var drain = 10.0

    func validate() throws {
        guard viewers >= 1, (0...viewers).contains(paused), rate >= 1, size >= 48, duration > 0, duration <= 3600,
            pauseAt >= 0, pauseFor > 0, pauseAt + pauseFor < duration, drain >= 0
        else {
            throw ValidationError("need 0 <= paused <= viewers, rate >= 1, size >= 48, pause-at + pause-for < duration <= 3600")
        }
    }

    func run() async throws {
        let run = try BenchRun(options: common)
        defer { Task { await run.fleet.shutdown() } }
        let presenter = try await run.connectPresenter()
        _ = try await run.openViewers(viewers)
        let pausedViewers = Array(run.fleet.viewers.prefix(paused))
        let usage = ServerUsage(pid: common.relayPid)
        let start = MonotonicClock.now()
        presenter.publish(rate: rate, size: size, duration: duration)

        await Poll.sleep(seconds: pauseAt)
        for viewer in pausedViewers {
            let box = EndpointBox(endpoint: viewer)
            viewer.stats.loop.execute { box.endpoint.setReading(false) }
        }
        await Poll.sleep(seconds: pauseFor)
        let resumeTarget = presenter.sentCount.load(ordering: .relaxed) - 1
        for viewer in pausedViewers {
            let box = EndpointBox(endpoint: viewer)
            viewer.stats.loop.execute {
                box.endpoint.resumedAt = MonotonicClock.now()
                box.endpoint.catchupTarget = resumeTarget
                box.endpoint.setReading(true)
            }
        }
        let published = (try? await presenter.finished.futureResult.get()) != nil
        let sent = presenter.sentCount.load(ordering: .relaxed)
        await run.drain(expected: sent * viewers, seconds: drain)
        let result = try await run.fleet.snapshot()

        var report = BenchReport(scenario: "catchup", options: common)
        report.add("viewers", viewers)
        report.add("paused", paused)
        report.add("rate", rate)
        report.add("size", size)
        report.add("duration_s", duration)
        report.add("pause_at_s", pauseAt)
        report.add("pause_for_s", pauseFor)
        report.add("published_all", published)
        report.add("sent", sent)
        report.add("expected", sent * viewers)
        report.add("delivered", result.delivered)
        report.add("lost", sent * viewers - result.delivered)
        report.add("sequence_holes", result.sequenceHoles)
        report.add("out_of_order", result.outOfOrder)
        report.add("gap_messages", result.gapMessages)
        report.add("unexpected_closes", result.closed)
        report.add("caught_up", Int(result.catchup.totalCount))
        report.addLatency("catchup", result.catchup)
        report.addLatency("latency", result.latency)
        report.addServerUsage(usage, deliveries: result.delivered)
        report.add("elapsed_s", Double(MonotonicClock.now() - start) / 1e9, digits: 3)
        report.emit(common)
        presenter.close()
        await run.fleet.closeAll(timeout: 5)
        if result.delivered != sent * viewers || Int(result.catchup.totalCount) != paused { throw ExitCode(2) }
    }
}
